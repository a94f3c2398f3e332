import { expect } from 'chai';
import * as E from '../src/errors';

describe('conditions', () => {
  it('EventError is an EventInfo and an Error, with errcode/errmsg and a string code', () => {
    const err = new E.EventError({ errcode: -104, errmsg: 'reset', code: 'ECONNRESET' });
    expect(err).to.be.instanceOf(E.EventInfo).and.instanceOf(Error);
    expect(err).to.include({ errcode: -104, errmsg: 'reset', code: 'ECONNRESET', message: 'reset', name: 'EventError' });
    expect(new E.EventError()).to.include({ errcode: -1, code: 'CLASYNC_EVENT_ERROR' });
  });

  it('informational conditions are not EventErrors', () => {
    expect(new E.EventInfo()).to.not.be.instanceOf(E.EventError);
    expect(new E.StreamishEof()).to.not.be.instanceOf(E.EventError);
  });

  it('follows the v0.6 multiple inheritance (socket-eof is a streamish-eof and a socket-error)', () => {
    const socket = {};
    const eof = new E.SocketEof({ socket });
    expect(eof).to.be.instanceOf(E.StreamishEof);
    expect(eof).to.be.instanceOf(E.SocketError);
    expect(eof).to.be.instanceOf(E.SocketInfo);
    expect(eof).to.be.instanceOf(E.StreamishInfo);
    expect(eof).to.be.instanceOf(E.StreamishError);
    expect(eof).to.be.instanceOf(E.EventError);
    expect(eof.socket).to.equal(socket);
    expect(eof.streamish).to.equal(socket);
    expect(eof.code).to.equal('CLASYNC_SOCKET_EOF');
    expect(new E.SocketReset()).to.not.be.instanceOf(E.StreamishEof);
  });

  it('a streamish error is a streamish info; an HTTP error is an HTTP info', () => {
    expect(new E.StreamishBrokenPipe()).to.be.instanceOf(E.StreamishInfo);
    expect(new E.HttpParseError({ code: 'HPE_LF_EXPECTED' })).to.be.instanceOf(E.HttpInfo).and.instanceOf(E.EventError);
    expect(new E.HttpInfo()).to.not.be.instanceOf(E.HttpError);
  });

  it('the 2012 names are true aliases, so instanceof works both ways', () => {
    expect(E.TcpEof).to.equal(E.SocketEof);
    expect(E.TcpTimeout).to.equal(E.SocketTimeout);
    expect(E.TcpRefused).to.equal(E.SocketRefused);
    expect(E.TcpReset).to.equal(E.SocketReset);
    expect(E.TcpError).to.equal(E.SocketError);
    expect(E.TcpInfo).to.equal(E.SocketInfo);
    expect(E.TcpAcceptError).to.equal(E.SocketAcceptError);
    expect(E.TcpServerBindError).to.equal(E.SocketAddressInUse);
    expect(E.SocketClosed).to.equal(E.StreamishClosed);
    expect(new E.SocketTimeout()).to.be.instanceOf(E.TcpTimeout);
    expect(new E.TcpTimeout()).to.be.instanceOf(E.SocketTimeout);
    expect(new E.SocketTimeout()).to.be.instanceOf(E.TcpError);
  });

  it('each leaf condition has its own stable code and default message', () => {
    const leaves: Array<[new () => E.EventInfo, string]> = [
      [E.SocketRefused, 'ECONNREFUSED'],
      [E.SocketTimeout, 'ETIMEDOUT'],
      [E.SocketReset, 'ECONNRESET'],
      [E.SocketAborted, 'ECONNABORTED'],
      [E.SocketAddressInUse, 'EADDRINUSE'],
      [E.StreamishEnoent, 'ENOENT'],
      [E.StreamishBrokenPipe, 'EPIPE'],
      [E.StreamishCanceled, 'ECANCELED'],
      [E.StreamishClosed, 'CLASYNC_CLOSED'],
      [E.FilesystemEnoent, 'ENOENT'],
      [E.FilesystemEacces, 'EACCES'],
      [E.FilesystemEperm, 'EPERM'],
      [E.DnsError, 'CLASYNC_DNS_ERROR'],
      [E.HttpEof, 'CLASYNC_HTTP_EOF'],
    ];
    for (const [Leaf, code] of leaves) {
      const err = new Leaf();
      expect(err.code, Leaf.name).to.equal(code);
      expect(err.message, Leaf.name).to.be.a('string').and.not.equal('');
      expect(err.name).to.equal(Leaf.name);
    }
    expect(new E.HttpTimeout().code).to.contain('TIMEOUT');
  });

  it('carries extra slots and the cause', () => {
    const cause = new Error('inner');
    const bind = new E.SocketAddressInUse({ addr: '127.0.0.1', port: 80, cause });
    expect(bind).to.include({ addr: '127.0.0.1', port: 80 });
    expect(bind.cause).to.equal(cause);
    expect(new E.FilesystemEnoent({ path: '/nope' }).path).to.equal('/nope');
    expect(new E.HttpParseError({ offset: 7 }).offset).to.equal(7);
  });

  it('loop misuse errors have codes and cl-async’s messages', () => {
    expect(new E.EventLoopNotRunning()).to.include({
      code: 'CLASYNC_LOOP_NOT_RUNNING',
      message: 'Event loop not running. Start with function start-event-loop.',
    });
    expect(new E.EventLoopAlreadyStarted().code).to.equal('CLASYNC_LOOP_ALREADY_STARTED');
  });
});
