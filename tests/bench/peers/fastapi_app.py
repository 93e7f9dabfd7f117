"""The FastAPI peer of the small JSON GET: the same route and body as the
echo plugin's GET /api/v1/echo/hello. Run by uvicorn (uvloop, httptools,
one worker, access log off)."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/api/v1/echo/hello")
async def hello():
    return {"message": "hello"}
