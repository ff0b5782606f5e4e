"""File fingerprints recorded with results and converted checkpoints."""
import hashlib
import os
from typing import Dict, Tuple

#: Bytes read per step while hashing.
HASH_CHUNK = 1 << 20
_FILE_SHA256: Dict[Tuple[str, int, int], str] = {}


def file_sha256(path: str) -> str:
    """sha256 hex digest of a file, memoised by (path, size, mtime)."""
    stat = os.stat(path)
    key = (os.path.abspath(path), stat.st_size, stat.st_mtime_ns)
    if key not in _FILE_SHA256:
        digest = hashlib.sha256()
        with open(path, 'rb') as f:
            for chunk in iter(lambda: f.read(HASH_CHUNK), b''):
                digest.update(chunk)
        _FILE_SHA256[key] = digest.hexdigest()
    return _FILE_SHA256[key]
