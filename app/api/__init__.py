"""The API room: callers from outside Weft start flows through webhooks and callbacks (/api/v1), and the
trigger panel on the flow page manages those URLs and the flow's schedules."""
