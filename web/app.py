"""The ASGI app for uvicorn (`web.app:app`), built from the environment's settings.

The garbage collector is off while the worker starts: what it imports and builds lives as long as
the worker, so collecting while the heap grows to 370k objects only costs start-up time.
`create_app(owns_process=True)` turns it back on once the warm-up is done.
"""

import gc

gc.disable()

from web.main import create_app  # noqa: E402

app = create_app(owns_process=True)
