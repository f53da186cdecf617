"""The engine: program text → ``parser`` → ``graph`` → ``forward`` → ``backward`` → ``serialize`` (JSON).

``ops`` is the one table of operations every step reads. The engine knows nothing of teaching or of HTTP:
it imports only ``app.words`` (the sentences its errors are written in).
"""
