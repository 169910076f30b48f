"""Example instance configuration: copy to instance/config.py and adjust.

Every key may also come from the environment, which wins over this file.
"""

# A long random string; generate one with: python -c "import secrets; print(secrets.token_hex(32))"
SECRET_KEY = "change-me"

# SQLite in instance/ by default; PostgreSQL in production, e.g.
# DATABASE_URL = "postgresql+psycopg://jobboard@db.internal/jobboard"

# MAIL_SERVER = "localhost"
# MAIL_PORT = 25
# MAIL_DEFAULT_SENDER = "MedCode Jobs <no-reply@medcodejobs.example>"

# Shared rate-limit counters when several hosts serve the site:
# RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/0"
