"""The ceiling: a bare Flask endpoint that parses a JSON body and answers `{}`, nothing more."""

from flask import Flask, request

app = Flask(__name__)


@app.post("/api/track")
def track() -> tuple[str, int, dict[str, str]]:
    request.get_json(force=True)
    return "{}", 200, {"Content-Type": "application/json"}
