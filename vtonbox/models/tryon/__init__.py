"""Try-on algorithms (``BaseModel`` subclasses trained by MMEngine's Runner)."""
from .base_tryon import BaseTryOnModel
from .cpvton import CPVTONBaseline, cloth_agnostic
from .inference_config import TRAINING_ONLY_KEYS, inference_model_config
from .parser_based import ParserBasedTryOn, ParserBasedWarp
from .parser_free import ParserFreeTryOn, ParserFreeWarp
from .teacher import ParserBasedTeacher, TeacherOutput

__all__ = ['BaseTryOnModel', 'ParserBasedWarp', 'ParserBasedTryOn', 'ParserFreeWarp',
           'ParserFreeTryOn', 'ParserBasedTeacher', 'TeacherOutput', 'CPVTONBaseline',
           'cloth_agnostic', 'inference_model_config', 'TRAINING_ONLY_KEYS']
