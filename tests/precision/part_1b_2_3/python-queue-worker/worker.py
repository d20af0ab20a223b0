import json
import logging
import os

import redis

log = logging.getLogger("worker")


def handle(job):
    log.info("processing %s", job["id"])


def main():
    queue = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://redis:6379/0"))
    try:
        while True:
            item = queue.blpop("jobs", timeout=5)
            if item is not None:
                handle(json.loads(item[1]))
    except KeyboardInterrupt:
        log.info("stopping, bye")
    finally:
        queue.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
