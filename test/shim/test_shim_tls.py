"""The shim's wss:// client against a stand-in TLS WebSocket server (the standard library's ssl,
certificates made here with Debian's openssl): the server's name is verified, pings that arrive
inside an already-read TLS record are answered, and a token never goes in cleartext off loopback."""

import base64
import hashlib
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import unittest
from unittest import mock

from . import support as S
from .test_shim_unit import shim

OPENSSL = '/usr/bin/openssl'


def _openssl(cwd, *args):
    subprocess.run((OPENSSL,) + args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_pki(d):
    """A CA, and two server certificates it signed: one for 127.0.0.1, one for another name.

    The CA is one that RFC 5280 allows (critical basicConstraints and keyUsage): Python 3.13's
    default context verifies with VERIFY_X509_STRICT and refuses a CA without keyUsage, which
    is what `openssl req -x509` makes by default."""
    ec = ('-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes')
    _openssl(d, 'req', '-x509', *ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=shim-test-ca',
             '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
    # and one without keyUsage, as `openssl req -x509` makes it, which signed 'loose' for 127.0.0.1
    _openssl(d, 'req', '-x509', *ec, '-keyout', 'loose-ca.key', '-out', 'loose-ca.pem', '-days', '2',
             '-subj', '/CN=shim-test-loose-ca')
    for name, san, ca in (('good', 'IP:127.0.0.1', 'ca'), ('elsewhere', 'DNS:elsewhere.example', 'ca'),
                          ('loose', 'IP:127.0.0.1', 'loose-ca')):
        with open(os.path.join(d, name + '.ext'), 'w') as f:
            f.write('subjectAltName=%s\nbasicConstraints=CA:FALSE\nsubjectKeyIdentifier=hash\n'
                    'authorityKeyIdentifier=keyid\nextendedKeyUsage=serverAuth\n' % san)
        _openssl(d, 'req', *ec, '-keyout', name + '.key', '-out', name + '.csr', '-subj', '/CN=' + name)
        _openssl(d, 'x509', '-req', '-in', name + '.csr', '-CA', ca + '.pem', '-CAkey', ca + '.key', '-CAcreateserial',
                 '-out', name + '.pem', '-days', '2', '-extfile', name + '.ext')


class TlsWebSocketServer(object):
    """Accepts one TLS connection, answers the upgrade with ``then`` appended in the same write
    (so both land in one TLS record), and records what the client sends afterwards."""

    def __init__(self, certfile, keyfile, then=b''):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(certfile, keyfile)
        self.then = then
        self.received = b''
        self.got = threading.Event()
        self._srv = socket.create_server(('127.0.0.1', 0))
        self._srv.settimeout(10)
        self.port = self._srv.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        try:
            raw, _ = self._srv.accept()
            with self.context.wrap_socket(raw, server_side=True) as conn:
                conn.settimeout(10)
                request = b''
                while b'\r\n\r\n' not in request:
                    request += conn.recv(4096)
                key = [line.split(b':', 1)[1].strip() for line in request.split(b'\r\n')
                       if line.lower().startswith(b'sec-websocket-key:')][0]
                accept = base64.b64encode(hashlib.sha1(key + shim._WS_GUID).digest())
                conn.sendall(b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
                             b'Sec-WebSocket-Accept: ' + accept + b'\r\n\r\n' + self.then)
                self.received = conn.recv(4096)
        except (OSError, IndexError):
            pass  # the client refused the handshake: nothing to record
        finally:
            self.got.set()

    def close(self):
        self._srv.close()
        self._thread.join(10)


def server_frame(opcode, payload):
    """A frame as a server sends it: unmasked (payloads under 64 kB)."""
    n = len(payload)
    head = bytes((0x80 | opcode, n)) if n < 126 else bytes((0x80 | opcode, 126)) + n.to_bytes(2, 'big')
    return head + payload


class TestWssClient(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pki = tempfile.mkdtemp(prefix='shim-pki-')
        make_pki(cls.pki)
        cls.tls = shim.TlsFiles(os.path.join(cls.pki, 'ca.pem'), None, None)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.pki, ignore_errors=True)

    def server(self, name, then=b''):
        srv = TlsWebSocketServer(os.path.join(self.pki, name + '.pem'), os.path.join(self.pki, name + '.key'), then)
        self.addCleanup(srv.close)
        return srv

    def test_a_certificate_for_another_name_is_refused(self):
        srv = self.server('elsewhere')
        with self.assertRaises(shim.WebSocketError) as cm:
            shim.WebSocketConnection.connect('wss://127.0.0.1:%d' % srv.port, 'tok', 5.0, self.tls)
        self.assertIn("TLS: certificate verify failed: IP address mismatch, certificate is not valid for '127.0.0.1'",
                      str(cm.exception))

    def test_a_ca_without_key_usage_is_refused_from_python_3_13_with_the_reason(self):
        srv = self.server('loose')
        loose = shim.TlsFiles(os.path.join(self.pki, 'loose-ca.pem'), None, None)
        if sys.version_info < (3, 13):  # no VERIFY_X509_STRICT in the default context: accepted
            shim.WebSocketConnection.connect('wss://127.0.0.1:%d' % srv.port, 'tok', 5.0, loose).close()
            return
        with self.assertRaises(shim.WebSocketError) as cm:
            shim.WebSocketConnection.connect('wss://127.0.0.1:%d' % srv.port, 'tok', 5.0, loose)
        self.assertIn('TLS: certificate verify failed: CA cert does not include key usage extension (a certificate '
                      "of the sidecar's chain breaks RFC 5280, which Python 3.13+ checks: a CA needs critical "
                      'basicConstraints CA:TRUE and keyUsage keyCertSign)', str(cm.exception))

    def test_a_ping_already_inside_a_read_tls_record_is_answered(self):
        # 101 + 8 kB + ping in one record: the upgrade read takes 4 kB of it, the socket itself has
        # nothing more to read, the rest waits in the TLS layer.
        ping = server_frame(shim._WS_OP_PING, b'p1')
        srv = self.server('good', server_frame(shim._WS_OP_BINARY, b'x' * 8000) + ping)
        conn = shim.WebSocketConnection.connect('wss://127.0.0.1:%d' % srv.port, 'tok', 5.0, self.tls)
        try:
            conn.service()
            self.assertTrue(srv.got.wait(10))
        finally:
            conn.close()
        head, key, masked = srv.received[:2], srv.received[2:6], srv.received[6:]
        self.assertEqual(head, bytes((0x80 | shim._WS_OP_PONG, 0x80 | 2)))
        self.assertEqual(shim._ws_mask(masked, key), b'p1')

    def test_the_handshake_runs_on_the_writer_thread(self):
        srv = self.server('good')
        threads = []
        wrap = ssl.SSLContext.wrap_socket

        def recording(context, *args, **kwargs):
            if not kwargs.get('server_side'):  # the stand-in server wraps too
                threads.append(threading.current_thread().name)
            return wrap(context, *args, **kwargs)

        with mock.patch.object(ssl.SSLContext, 'wrap_socket', recording):
            w = shim.FrameWriter('wss://127.0.0.1:%d' % srv.port, 100, tls=self.tls)
            w.start()
            self.assertTrue(S.enqueue(w, b'{"t":"x"}\n'))  # the caller's thread only queues
            self.assertTrue(w.drain(10))
            w.close()
        self.assertEqual(threads, ['otel-sidecar-writer'])
        self.assertTrue(w.all_sent)
        self.assertEqual(w.pending_warnings, [])

    def test_service_returns_when_nothing_was_sent(self):
        srv = self.server('good')
        conn = shim.WebSocketConnection.connect('wss://127.0.0.1:%d' % srv.port, None, 5.0, self.tls)
        try:
            conn.service()  # would wait for send_timeout, then raise, if it blocked on the TLS socket
            self.assertEqual(conn.sock.gettimeout(), 5.0)
        finally:
            conn.close()


class TestTokenOnlyOverTlsOrLoopback(unittest.TestCase):
    def test_no_cleartext_token_to_another_host(self):
        # refused before any name lookup: sidecar.invalid would otherwise fail to resolve
        with self.assertRaises(shim.WebSocketError) as cm:
            shim.WebSocketConnection.connect('ws://sidecar.invalid:4319', 'tok', 1.0)
        self.assertIn('not sending the token in cleartext to sidecar.invalid: use wss://', str(cm.exception))

    def test_without_a_token_ws_goes_ahead(self):
        with self.assertRaises(OSError) as cm:
            shim.WebSocketConnection.connect('ws://sidecar.invalid:4319', None, 1.0)
        self.assertNotIsInstance(cm.exception, shim.WebSocketError)  # the name lookup failed

    def test_loopback_addresses(self):
        for host in ('127.0.0.1', '127.1.2.3', 'localhost', '::1'):
            self.assertTrue(shim._is_loopback(host), host)
        for host in ('10.0.0.1', '0.0.0.0', 'sidecar', '127.example'):
            self.assertFalse(shim._is_loopback(host), host)


if __name__ == '__main__':
    unittest.main()
