# One app replica: `streamlit run app.py` on port 8501, warmed before it answers its health check.
#   docker build -t cnn-rnn-explorer:0.1.0 .
#   docker run --rm -p 8501:8501 -e STREAMLIT_SERVER_COOKIE_SECRET=$(openssl rand -hex 32) cnn-rnn-explorer:0.1.0
# Several replicas behind HAProxy: deploy/compose.yaml; Kubernetes: deploy/kubernetes.yaml;
# sizing and TLS: docs/deploy.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The pinned run-time requirements; torch from PyTorch's CPU index (PyPI's Linux wheel pulls
# several GB of CUDA libraries this app never uses).
COPY requirements.txt ./
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.txt

# The app with its committed models and assets (see .dockerignore for what stays out),
# owned by root and read-only for the user that runs it.
COPY . .
RUN useradd --create-home --uid 10001 app
USER app

EXPOSE 8501
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=2)"]
CMD ["python", "scripts/serve.py", "--server.address", "0.0.0.0", "--server.port", "8501", "--server.headless", "true"]
