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

# The public address every emailed link is built from (required outside debug/testing):
SITE_URL = "https://jobs.example.com"
# Host names the site answers for (default: the host of SITE_URL); others get a 400.
# TRUSTED_HOSTS = ["jobs.example.com", "localhost"]
# Behind one reverse proxy that sets X-Forwarded-For and X-Forwarded-Proto:
# PROXY_FIX_X_FOR = 1
# PROXY_FIX_X_PROTO = 1
