"""Poll for work; close the connection cleanly when stopped."""
import time


def poll() -> None:
    print("polling", flush=True)


if __name__ == "__main__":
    try:
        while True:
            poll()
            time.sleep(5)
    finally:
        print("closing the queue connection")
