"""The fake HeyGen v3 API: state and clock (``state``), Starlette app (``app``), server (``server``), media.

Importing this package is cheap: Starlette and uvicorn are imported only by ``app`` and ``server``.
"""
