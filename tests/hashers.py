"""A password hasher for the test run only: Django's own PBKDF2 with few iterations.

Hashing a password with the production count (1,000,000) takes about half a second here, and the
organization tests create hundreds of users. The hash keeps its algorithm name (pbkdf2_sha256)
and carries its iteration count, so a server started with the real settings (the two-server and
backup tests) still verifies it. Django's testing docs suggest a faster hasher for this reason.
"""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1000
