"""Bearer tokens for the local control plane, the way EKS authenticates its users.

EKS's API server hands every bearer token it does not know to a webhook token authenticator (the
IAM authenticator: a presigned STS GetCallerIdentity, mapped through the access entries to a user
name). This is that webhook for scripts/k8s-control-plane.sh: the API server posts a TokenReview
(authentication.k8s.io/v1) over mutual TLS, and it answers with the user the token was issued to.

Issued tokens live in STATE/tokens.json as {sha256(token): {"username": ..., "groups": [...]}}:
the file holds no token, and is read again on every review, so `k8s-control-plane.sh user` can add
one while the API server runs. Only the user's kubeconfig (mode 0600) holds the token itself.

    python3 scripts/k8s-token-webhook.py STATE PORT
"""

import hashlib
import json
import ssl
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def review(state: Path, request: dict[str, Any]) -> dict[str, Any]:
    """The TokenReview answer to `request`: authenticated as the token's user, or not."""
    token = str(request.get("spec", {}).get("token", ""))
    try:
        issued = json.loads((state / "tokens.json").read_text())
    except FileNotFoundError:
        issued = {}
    user = issued.get(hashlib.sha256(token.encode()).hexdigest())
    status: dict[str, Any] = (
        {"authenticated": True, "user": {"username": user["username"], "groups": user["groups"]}}
        if user is not None
        else {"authenticated": False}
    )
    return {
        "apiVersion": request.get("apiVersion", "authentication.k8s.io/v1"),
        "kind": "TokenReview",
        "status": status,
    }


def main() -> None:
    state, port = Path(sys.argv[1]), int(sys.argv[2])
    pki = state / "pki"

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            answer = json.dumps(review(state, json.loads(body))).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # no request lines: a token never reaches a log

    # Only the API server may ask: mutual TLS with the throwaway CA's certificates.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki / "token-webhook.crt", pki / "token-webhook.key")
    context.load_verify_locations(pki / "ca.crt")
    context.verify_mode = ssl.CERT_REQUIRED
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
