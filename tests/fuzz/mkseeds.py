#!/usr/bin/env python3
# Writes the seed corpus of the fuzz harnesses (tests/fuzz/corpus/): valid
# request sequences and malformed ones for ipcd_fuzz, valid and broken slot
# headers for slot_fuzz, valid and malformed link streams for qframe_fuzz.
# Run from tests/fuzz/ to regenerate; the seeds are committed, so the build never needs Python. Formats: the harnesses' head
# comments and kernel-sim/proto/ctl.h.
import os
import struct

def rec(b):
    return struct.pack('<H', len(b)) + b

def req(t, payload=b''):  # a framed record: type byte + payload
    return rec(bytes([t]) + payload)

def path(chid, handle, flags, ftype, p):
    return struct.pack('<iIII', chid, handle, flags, ftype) + p + b'\0'

HELLO, CCREATE, CDESTROY, ATTACH, DETACH, CONNFD, PATTACH, PDETACH, RESOLVE, \
    TDEATH, INFO, PULSE, WAITPATH, CLIENTINFO = range(1, 15)
chan = lambda chid, flags: struct.pack('<iI', chid, flags)
ident = lambda i: struct.pack('<i', i)
attach = lambda pid, chid, coid, flags: struct.pack('<Iiiii', 0, pid, chid, coid, flags)
connfd = lambda chid, scoid: struct.pack('<iiIi', chid, scoid, 0, 0)
event = lambda pid, coid, prio, code, val: struct.pack('<iiiii', pid, coid, prio, code, val)
SIDE = 0x40000000

ipcd = {
    'server-lifecycle': bytes([5]) + b''.join([
        req(CCREATE, chan(0, 0x0a)),
        req(PATTACH, path(1, 7, 0, 0, b'/dev/fz')),
        req(RESOLVE, path(0, 0, 0, 0, b'/dev/fz/a/b')),
        req(ATTACH, attach(0, 1, -1, 0)),
        req(CONNFD, connfd(1, SIDE | 2)),
        req(CLIENTINFO, ident(SIDE | 2)),
        req(PULSE, event(0, SIDE | 1, 10, 5, 77)),
        req(TDEATH, ident(1234)),
        req(INFO, ident(1)),
        req(DETACH, ident(SIDE | 1)),
        req(DETACH, ident(SIDE | 2)),
        req(PDETACH, ident(1)),
        req(CDESTROY, chan(1, 0)),
    ]),
    'fd-coids-noshare': bytes([5]) + b''.join([
        req(CCREATE, chan(0, 0x4a)),
        req(ATTACH, attach(0, 1, 3, 0)),
        req(ATTACH, attach(0, 1, 4, 0)),
        req(ATTACH, attach(0, 1, 5, 0x40)),
        req(CONNFD, connfd(1, SIDE | 2)),
        req(INFO, ident(1)),
        req(CDESTROY, chan(1, 0)),
        req(DETACH, ident(3)),
        req(INFO, ident(1)),
    ]),
    'death-with-objects': bytes([5]) + b''.join([
        req(CCREATE, chan(0, 0x0e)),
        req(CCREATE, chan(0, 0x40)),
        req(PATTACH, path(1, 0, 0x100, 0, b'/fz')),
        req(PATTACH, path(2, 0, 4, 12, b'/dev/name/local/fz')),
        req(ATTACH, attach(0, 2, -1, 0)),
        req(ATTACH, attach(0, 1, 3, 0)),
    ]),
    'aux-queries': bytes([6]) + b''.join([
        req(INFO, ident(1)),
        req(RESOLVE, path(0, 0, 0, 0, b'/')),
        req(WAITPATH, path(0, 0, 0, 0, b'/dev/never')),
        req(WAITPATH, path(0, 50, 0, 0, b'/dev/later')),
        req(CLIENTINFO, ident(1)),
    ]),
    'hello-variants': bytes([4]) + b''.join([
        req(HELLO, struct.pack('<Iii', 1, 0, 0)),
        req(HELLO, struct.pack('<Iii', 1, 0, 1)),
    ]),
    'hello-bad-version': bytes([4]) + req(HELLO, struct.pack('<Iii', 9, 0, 0)),
    'hello-wrong-pid': bytes([4]) + req(HELLO, struct.pack('<Iii', 1, 1, 0)),
    'not-hello-first': bytes([4]) + req(INFO, ident(1)),
    'raw-short': bytes([1]) + rec(b'\x02\0\0\0\x08'),
    'raw-len-mismatch': bytes([1]) + rec(struct.pack('<IIIi', 11, 400, 2, 0) + ident(1)),
    'raw-good-info': bytes([1]) + rec(struct.pack('<IIIi', 11, 4, 2, 0) + ident(1)),
    'unknown-types': bytes([5]) + req(0, ident(1)) + req(99, ident(1)),
    'wrong-sizes': bytes([5]) + req(CCREATE, b'\0\0') + req(ATTACH, bytes(40)),
    'path-unterminated': bytes([5]) + req(PATTACH, struct.pack('<iIII', 1, 0, 0, 0) + b'/abc'),
    'path-too-long': bytes([5]) + req(CCREATE, chan(0, 0)) + req(PATTACH, path(1, 0, 0, 0, b'/' + b'a' * 2000)),
    'fd-passed': bytes([13]) + req(INFO, ident(1)),
    'bad-ids': bytes([5]) + b''.join([
        req(CDESTROY, chan(-1, 0)), req(CDESTROY, chan(4096, 0)),
        req(DETACH, ident(-5)), req(DETACH, ident(SIDE | 4095)),
        req(CONNFD, connfd(7, 0x7fffffff)), req(PDETACH, ident(0)),
        req(ATTACH, attach(1, 1, -1, 0)), req(ATTACH, attach(0, 0, 0x7fffffff, 0xffff)),
        req(PULSE, event(1, 3, 1000, -40, 0)), req(CLIENTINFO, ident(-1)),
        req(INFO, ident(2)),
    ]),
}

INLINE = 8192
def slot(state=0x80, flags=0, prio=10, sbytes=16, rbytes=64, gen=1,
         off=0, cap=INLINE, rbase=64, where=1):
    return struct.pack('<BBhiiIQQQB7x', state, flags, prio, sbytes, rbytes,
                       gen, off, cap, rbase, where)

def pulse(state=2, code=5, prio=10, value=0):
    return struct.pack('<Bbhi', state, code, prio, value)

def op(what=0, err=0, rdlen=16, rdoff=0, wrlen=8, wroff=0, replylen=32):
    return struct.pack('<BBHiHiH', what, err, rdlen, rdoff, wrlen, wroff, replylen)

def head(nslots, npulses, rx):
    return struct.pack('<BBH', nslots, npulses, rx)

GiB = 1 << 30
DATA = 65536
slotseeds = {
    'one-good': head(1, 0, 256) + slot() + op(),
    'good-write-error': head(1, 0, 8) + slot(sbytes=100, rbytes=200, rbase=128) + op(what=1 | 4, err=5, wrlen=300, wroff=10),
    'good-unanswered': head(2, 0, 64) + slot() + slot(prio=20) + op(what=3) + op(what=2),
    'bulk-extent': head(1, 0, 4096) + slot(sbytes=70000, rbytes=70000, where=0, off=DATA + 32 * INLINE, cap=1 << 18, rbase=70016) + op(rdlen=4096, rdoff=65000, wrlen=4096, wroff=69000, replylen=65535),
    'end-of-region': head(1, 0, 100) + slot(sbytes=100, rbytes=0, where=0, off=GiB - 100, cap=100, rbase=100) + op(rdlen=200, rdoff=50),
    'neg-sbytes': head(1, 0, 64) + slot(sbytes=-12345) + op(),
    'huge-off': head(1, 0, 64) + slot(where=0, off=(1 << 64) - 6, cap=(1 << 64) - 1) + op(),
    'rbase-past-cap': head(1, 0, 64) + slot(rbase=1 << 40) + op(),
    'rbytes-past-cap': head(1, 0, 64) + slot(rbytes=0x7fffffff) + op(),
    'off-in-header': head(1, 0, 64) + slot(where=0, off=0) + op(),
    'cap-overflow': head(1, 0, 64) + slot(where=0, off=GiB - 10, cap=20) + op(),
    'pulses': head(0, 3, 64) + pulse() + pulse(code=-32, value=(1 << 16) | 2) + pulse(code=-33, prio=200),
    'pulse-and-slots': head(3, 2, 512) + slot(prio=5) + slot(state=3) + slot(prio=99, sbytes=0, rbytes=0) + pulse(prio=50) + pulse(state=1) + op() + op(what=1),
    'tiny-rx': head(1, 0, 0) + slot(sbytes=4000) + op(),
    'all-slots': head(32, 8, 1024) + b''.join(slot(prio=i) for i in range(32)) + b''.join(pulse(value=i) for i in range(8)) + b''.join(op(what=i % 4) for i in range(32)),
}

# qframe_fuzz: the byte stream of one Qnet link (kernel-sim/qnet/wire.h)
QN_MAGIC = 0x514e5431
def qf(t, body=b'', fid=0, magic=QN_MAGIC, ln=None):
    return struct.pack('<IIIIQ', magic, t, len(body) if ln is None else ln,
                       0, fid) + body
QHELLO, QPING, QATTACH, QATTACH_REP, QSEND, QREPLY, QUNBLOCK, QPULSE, \
    QDETACH, QEVENT, QRESOLVE, QRESOLVE_REP, QNAME, QNAME_REP = range(1, 15)
qhello = struct.pack('<II64s', 1, 0x01020304, b'beta')
qresult = lambda st, err, v, v2: struct.pack('<iiii', st, err, v, v2)
qsend = lambda b, rb, has: struct.pack('<iiiIII3Q', b, 7, 10, rb, has, 0, 1, 2, 0)
qattach = struct.pack('<iiIIiiII', 0x40000002, 100, 0, 0, 200, 1, 0, 1)
qpath = lambda p: struct.pack('<I', 0) + p + b'\0'
qent = struct.pack('<iiIIII', 200, 1, 7, 0, 0, 4)
qframe = {
    'link-session': b''.join([
        qf(QHELLO, qhello), qf(QPING), qf(QATTACH, qattach, 0x100000002),
        qf(QSEND, qsend(3, 64, 1) + b'x' * 64, 5),
        qf(QUNBLOCK, fid=5), qf(QPULSE, struct.pack('<iiii', 3, 10, 5, 9)),
        qf(QDETACH, struct.pack('<i', 3)),
        qf(QRESOLVE, qpath(b'/dev/kv'), 6), qf(QNAME, qpath(b'svc'), 7),
    ]),
    'answers': b''.join([
        qf(QHELLO, qhello), qf(QATTACH_REP, qresult(0, 0, 3, 0), 9),
        qf(QREPLY, qresult(5, 0, 0, 0) + b'y' * 32, 5),
        qf(QREPLY, qresult(0, 3, 1, 1), 6),
        qf(QEVENT, struct.pack('<8i', 2, 4, 0x40000001, 10, 5, 0, 77, 0)),
        qf(QRESOLVE_REP, qresult(0, 0, 0, 0) + struct.pack('<I', 2) + qent * 2, 6),
        qf(QRESOLVE_REP, qresult(0, 2, 0, 0), 8),
        qf(QNAME_REP, qresult(0, 0, 200, 1), 7),
    ]),
    'bad-magic': qf(QHELLO, qhello) + qf(QPING, magic=0x12345678),
    'bad-type': qf(QHELLO, qhello) + qf(99) + qf(0),
    'huge-len': qf(QPING, ln=0xffffffff),
    'short-send': qf(QSEND, qsend(3, 64, 0)[:20]),
    'send-has-id-2': qf(QSEND, qsend(3, 64, 2) + b'z'),
    'ping-with-body': qf(QPING, b'abcd'),
    'hello-no-nul': qf(QHELLO, struct.pack('<II', 1, 0x01020304) + b'n' * 64),
    'path-no-nul': qf(QRESOLVE, struct.pack('<I', 0) + b'/dev/kv'),
    'path-inner-nul': qf(QNAME, struct.pack('<I', 0) + b'a\0bc\0'),
    'path-too-long': qf(QRESOLVE, qpath(b'/' + b'p' * 1100)),
    'resolve-count-lies': qf(QRESOLVE_REP, qresult(0, 0, 0, 0) + struct.pack('<I', 9) + qent),
    'resolve-count-huge': qf(QRESOLVE_REP, qresult(0, 0, 0, 0) + struct.pack('<I', 0x7fffffff)),
    'resolve-err-body': qf(QRESOLVE_REP, qresult(0, 2, 0, 0) + b'junk'),
    'result-short': qf(QATTACH_REP, qresult(0, 0, 0, 0)[:12]),
    'truncated-body': qf(QREPLY, qresult(0, 0, 0, 0), ln=4096),
}

for name, data in ipcd.items():
    with open(os.path.join('corpus', 'ipcd', name), 'wb') as f:
        f.write(data)
for name, data in slotseeds.items():
    with open(os.path.join('corpus', 'slot', name), 'wb') as f:
        f.write(data)
os.makedirs(os.path.join('corpus', 'qframe'), exist_ok=True)
for name, data in qframe.items():
    with open(os.path.join('corpus', 'qframe', name), 'wb') as f:
        f.write(data)
print(f'{len(ipcd)} ipcd seeds, {len(slotseeds)} slot seeds, '
      f'{len(qframe)} qframe seeds')
