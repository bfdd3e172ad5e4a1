"""Curated specs: protocol connectors (FTP, SFTP, RabbitMQ), whose endpoints are protocol operations."""
from __future__ import annotations

from catalog_specs import NO_AUTH, op, opt, user_pass, var


# -- file transfer and messaging (protocols) ------------------------------------------------------------------
def _file_endpoints() -> list:
    folder = opt("path", "Folder", ".")
    pattern = opt("pattern", "File name pattern", "*")
    return [
        op("list_files", "List files", "receive", "files", action="list", path="{{path}}", pattern="{{pattern}}",
           variables=[folder, pattern]),
        op("download_files", "Download files", "receive", "files", action="download", path="{{path}}",
           pattern="{{pattern}}", variables=[folder, pattern]),
        op("upload_file", "Upload a file", "send", "files", action="upload", path="{{path}}",
           filename="{{filename}}", variables=[folder, var("filename", "File name, e.g. order-{{id}}.json")]),
        op("move_file", "Move a file", "send", "files", action="move", path="{{path}}", filename="{{filename}}",
           to="{{to}}", variables=[folder, var("filename", "File name"), var("to", "Move to folder")]),
        op("delete_file", "Delete a file", "send", "files", action="delete", path="{{path}}",
           filename="{{filename}}", variables=[folder, var("filename", "File name")]),
    ]


FTP = {
    "protocol": "ftp", "documentation_url": "https://datatracker.ietf.org/doc/html/rfc959",
    "variables": [var("host", "Host"), opt("port", "Port", "21"), opt("tls", "TLS (none or explicit)", "none"),
                  opt("passive", "Passive mode", "true"), opt("timeout", "Timeout (seconds)", "30")],
    "auth_methods": [user_pass(), {**NO_AUTH, "key": "anonymous", "name": "Anonymous"}],
    "endpoints": _file_endpoints(),
}
SFTP = {
    "protocol": "sftp", "documentation_url": "https://datatracker.ietf.org/doc/html/draft-ietf-secsh-filexfer-02",
    "variables": [var("host", "Host"), opt("port", "Port", "22"),
                  opt("host_key", "Host key fingerprint (SHA256:...)"),
                  opt("host_key_policy", "Host key policy (verify or accept_new)", "verify"),
                  opt("timeout", "Timeout (seconds)", "30")],
    "auth_methods": [user_pass(), {"key": "key", "name": "Private key", "type": "ssh_key", "variables": [
        var("username", "Username"), var("private_key", "Private key (OpenSSH or PEM)", secret=True),
        var("passphrase", "Passphrase", required=False, secret=True)]}],
    "endpoints": _file_endpoints(),
}
RABBITMQ = {
    "protocol": "amqp", "documentation_url": "https://www.rabbitmq.com/docs",
    "variables": [var("host", "Host"), opt("port", "Port", "5672"), opt("virtual_host", "Virtual host", "/"),
                  opt("tls", "TLS", "false")],
    "auth_methods": [user_pass()],
    "endpoints": [
        op("consume", "Consume messages", "receive", "messages", queue="{{queue}}", max_messages="{{max_messages}}",
           variables=[var("queue", "Queue"), opt("max_messages", "Max messages", "100")]),
        op("publish", "Publish a message", "send", "messages", exchange="{{exchange}}",
           routing_key="{{routing_key}}", queue="{{queue}}",
           variables=[opt("exchange", "Exchange"), opt("routing_key", "Routing key"),
                      opt("queue", "Queue (publish straight to it)")]),
    ],
}

FILES = {"ftp": FTP, "sftp": SFTP, "rabbitmq": RABBITMQ}
