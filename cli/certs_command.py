"""`certs DIR`: a private CA and the certificates for mTLS between the Temporal server and its clients.

The compose stack runs it once into a volume: `ca.pem`, `server.pem`/`server.key` for the Temporal
frontend (and its own internal traffic), `client.pem`/`client.key` for the worker, the web doors,
`starter.py` and the Temporal UI. Existing files are kept, so certificates survive a restart.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer

VALID_DAYS = 825  # the longest validity clients commonly accept for a server certificate
SERVER_NAMES = ["temporal", "localhost"]  # the compose service name, and for port 7233 on the host


def _key():
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def issue(folder: Path, days: int = VALID_DAYS) -> list[Path]:
    """Write the CA, server and client certificates under `folder`; returns the files written."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.now(UTC) - timedelta(minutes=5)
    until = now + timedelta(days=days)

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Doan Khoi"),
                          x509.NameAttribute(NameOID.COMMON_NAME, common)])  # fmt: skip

    ca_key = _key()
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("Doan Khoi campaign CA"))
        .issuer_name(name("Doan Khoi campaign CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )

    def leaf(common: str, usages: list, names: list[x509.GeneralName] | None):
        key = _key()
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(common))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(until)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        )
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        return key, builder.sign(ca_key, hashes.SHA256())

    dns: list[x509.GeneralName] = [x509.DNSName(n) for n in SERVER_NAMES]
    server_names = [*dns, x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    both = [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]  # the server also calls itself
    server_key, server = leaf("temporal", both, server_names)
    client_key, client = leaf("campaign-app", [ExtendedKeyUsageOID.CLIENT_AUTH], None)
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "ca.pem": ca.public_bytes(serialization.Encoding.PEM),
        "server.pem": server.public_bytes(serialization.Encoding.PEM),
        "server.key": _pem_key(server_key),
        "client.pem": client.public_bytes(serialization.Encoding.PEM),
        "client.key": _pem_key(client_key),
    }
    written = []
    for file_name, data in files.items():
        path = folder / file_name
        path.write_bytes(data)
        # readable by the containers' own users; the volume is mounted only into this stack's services
        path.chmod(0o644)
        written.append(path)
    return written  # the CA's key is not kept: new certificates mean a new CA


def certs(
    folder: Path = typer.Argument(..., help="Thư mục ghi chứng chỉ (ca.pem, server.*, client.*)"),
    force: bool = typer.Option(False, "--force", help="Tạo lại dù đã có"),
) -> None:
    """Tạo CA riêng và chứng chỉ mTLS cho máy chủ Temporal và các thành phần (chạy một lần)."""
    if (folder / "ca.pem").exists() and not force:
        typer.echo(f"Đã có chứng chỉ trong {folder}; giữ nguyên (dùng --force để tạo lại).")
        return
    for path in issue(folder):
        typer.echo(f"Đã ghi {path}")
