"""Unbound extension objects, bound to an app in ``create_app``."""
from typing import TYPE_CHECKING

from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from jobboard.models.base import Base

db = SQLAlchemy(model_class=Base)
# The models' base class: Flask-SQLAlchemy's db.Model at run time; type checkers cannot take an
# attribute as a base class, so they see the declarative Base it is built from.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
compress = Compress()
