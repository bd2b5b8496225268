"""Print the OIDC_* settings for a sign-on provider, read from its discovery document."""

import json
from urllib.request import urlopen

from django.core.management.base import BaseCommand, CommandError

SETTINGS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


class Command(BaseCommand):
    help = "Read <issuer>/.well-known/openid-configuration and print the OIDC_OP_* environment lines."

    def add_arguments(self, parser):
        parser.add_argument("issuer", help="The provider's issuer URL, e.g. https://sso.example.gov.bd")
        parser.add_argument("--timeout", type=int, default=10)

    def handle(self, issuer, timeout, **options):
        if not issuer.startswith(("https://", "http://")):
            raise CommandError(f"The issuer must be an http(s) URL, not {issuer!r}.")
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            with urlopen(url, timeout=timeout) as response:  # noqa: S310 (scheme checked above)
                document = json.load(response)
        except (OSError, ValueError) as exc:
            raise CommandError(f"Could not read {url}: {exc}") from exc
        missing = [key for key in SETTINGS.values() if not document.get(key)]
        if missing:
            raise CommandError(f"{url} does not name: {', '.join(missing)}")
        for name, key in SETTINGS.items():
            self.stdout.write(f"{name}={document[key]}")
        algorithms = document.get("id_token_signing_alg_values_supported") or []
        if algorithms and "RS256" not in algorithms:
            self.stdout.write(f"OIDC_RP_SIGN_ALGO={algorithms[0]}")
