#!/usr/bin/env python3
"""tests/e2e/reject-smtp.py - a tiny SMTP server that rejects every RCPT TO.

It stands in for a receiving provider in the end-to-end test: it listens on
127.0.0.1 only, on a free unprivileged port that it writes to PORT_FILE, and
answers RCPT TO with Gmail's real multi-line 550-5.7.26 "This mail is
unauthenticated" reply. Standard library only; one connection at a time;
it exits by itself after LIFETIME seconds so it can never linger.

usage: reject-smtp.py PORT_FILE TRANSCRIPT_FILE [LIFETIME]
"""
import os
import socket
import sys
import time

REJECT = (
    "550-5.7.26 This mail is unauthenticated, which poses a security risk to the\r\n"
    "550-5.7.26 sender and Gmail users, and has been blocked. The sender must\r\n"
    "550-5.7.26 authenticate with at least one of SPF or DKIM. For this message,\r\n"
    "550-5.7.26 DKIM checks did not pass and SPF check for [localhost] did not\r\n"
    "550-5.7.26 pass with ip: [127.0.0.1]. The sender should visit\r\n"
    "550-5.7.26  https://support.google.com/mail/answer/81126#authentication for\r\n"
    "550 5.7.26 instructions on setting up authentication. "
    "d75a77b69052e-4b0b1c8e1a3si1234567cf.12 - gsmtp\r\n"
)

EHLO = (
    "250-mx.google.com at your service, [127.0.0.1]\r\n"
    "250-SIZE 157286400\r\n"
    "250-8BITMIME\r\n"
    "250-ENHANCEDSTATUSCODES\r\n"
    "250 SMTPUTF8\r\n"
)


def serve(conn, log):
    conn.settimeout(30)
    f = conn.makefile("rb")

    def send(text):
        for reply_line in text.splitlines():
            log.write("S: " + reply_line + "\n")
        conn.sendall(text.encode("ascii"))

    send("220 mx.google.com ESMTP d75a77b69052e-4b0b1c8e1a3si1234567cf.12 - gsmtp\r\n")
    while True:
        line = f.readline(2048)
        if not line:
            return
        cmd = line.decode("ascii", "replace").rstrip("\r\n")
        log.write("C: " + cmd + "\n")
        verb = cmd.split(" ", 1)[0].upper()
        if verb == "EHLO":
            send(EHLO)
        elif verb == "HELO":
            send("250 mx.google.com at your service\r\n")
        elif verb == "MAIL":
            send("250 2.1.0 OK d75a77b69052e-4b0b1c8e1a3si1234567cf.12 - gsmtp\r\n")
        elif verb == "RCPT":
            send(REJECT)
        elif verb == "DATA":
            send("554 5.5.1 Error: no valid recipients\r\n")
        elif verb in ("RSET", "NOOP"):
            send("250 2.0.0 OK\r\n")
        elif verb == "QUIT":
            send("221 2.0.0 closing connection - gsmtp\r\n")
            return
        else:
            send("502 5.5.1 Unrecognized command. - gsmtp\r\n")
        log.flush()


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    port_file, transcript = sys.argv[1], sys.argv[2]
    lifetime = float(sys.argv[3]) if len(sys.argv) > 3 else 120.0
    deadline = time.monotonic() + lifetime

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))          # loopback only, a free port
    srv.listen(8)
    with open(port_file + ".tmp", "w") as pf:
        pf.write("%d\n" % srv.getsockname()[1])
    os.rename(port_file + ".tmp", port_file)   # appears complete or not at all

    with open(transcript, "a") as log:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return 0
            srv.settimeout(min(left, 1.0))
            try:
                conn, peer = srv.accept()
            except socket.timeout:
                continue
            log.write("-- connection from %s:%d\n" % peer)
            try:
                serve(conn, log)
            except (OSError, socket.timeout) as e:
                log.write("-- error: %s\n" % e)
            finally:
                conn.close()
                log.flush()


if __name__ == "__main__":
    sys.exit(main())
