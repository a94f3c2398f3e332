/**
 * cl-async for TypeScript: the public surface. Everything users may import is re-exported
 * here, and only here.
 */

export * from './errors';

export {
  EventLoop,
  startEventLoop,
  withEventLoop,
  exitEventLoop,
  addEventLoopExitCallback,
  stats,
  dumpEventLoopStatus,
  ref,
  unref,
} from './event-loop';
export type { EventCb, EventLoopOptions, EventLoopStats } from './event-loop';
export { LoopHandle } from './handle';

export {
  AsyncEvent,
  delay,
  withDelay,
  timer,
  sleep,
  interval,
  withInterval,
  removeInterval,
  makeEvent,
  addEvent,
  removeEvent,
  freeEvent,
  eventFreedP,
} from './event';
export type { AddEventOptions, DelayOptions, EventOptions } from './event';

export {
  SignalHandler,
  signalHandler,
  freeSignalHandler,
  clearSignalHandlers,
  SIGHUP,
  SIGINT,
  SIGQUIT,
  SIGILL,
  SIGTRAP,
  SIGABRT,
  SIGEMT,
  SIGFPE,
  SIGKILL,
  SIGBUS,
  SIGSEGV,
  SIGSYS,
  SIGPIPE,
  SIGALRM,
  SIGTERM,
  SIGURG,
  SIGSTOP,
  SIGTSTP,
  SIGCONT,
  SIGCHLD,
  SIGTTIN,
  SIGTTOU,
  SIGIO,
  SIGXCPU,
  SIGXFSZ,
  SIGVTALRM,
  SIGPROF,
  SIGWINCH,
  SIGINFO,
  SIGUSR1,
  SIGUSR2,
} from './signal';
export type { Signal, SignalCb } from './signal';

export { Idler, idle, freeIdler, idlerFreedP } from './idle';
export { Notifier, makeNotifier, triggerNotifier, freeNotifier, notifierFreedP } from './notifier';
export type { NotifierOptions } from './notifier';

export {
  Future,
  Values,
  values,
  makeFuture,
  makePromise,
  futurep,
  promisep,
  finish,
  resolve,
  signalError,
  reject,
  lookupForwardedFuture,
  lookupForwardedPromise,
  attach,
  attachErrback,
} from './future/future';
export type { FirstValue, FutureOptions, Settled, UnhandledErrorHandler } from './future/future';
export {
  alet,
  aletStar,
  multipleFutureBind,
  multiplePromiseBind,
  waitFor,
  wait,
  aif,
  walk,
  walk1,
  futureHandlerCase,
} from './future/syntax';
export type { HandlerScope, Syntax } from './future/syntax';
export {
  createPromise,
  withPromise,
  promisify,
  catcher,
  tap,
  finally,
  finally_,
  all,
  amap,
  aeach,
  adolist,
  areduce,
  afilter,
  chain,
} from './future/util';
export type { ChainOp, Clause, ErrorClass, Matcher, Rejecter, Resolver } from './future/util';

export { AF_UNSPEC, AF_UNIX, AF_INET, AF_INET6, dnsLookup, reverseDnsLookup, setDnsServers } from './dns';
export type { DnsLookupOptions, DnsServerOptions, ResolveCb, ReverseDnsLookupOptions, ReverseResolveCb } from './dns';

export { FsMonitor, mkdtemp, fsWatch, fsUnwatch, fsMonitorClose } from './fs';
export type { FsOptions, FsWatchCb } from './fs';

export {
  Streamish,
  streamish,
  streamishWrite,
  closeStreamish,
  streamishClosedP,
  checkStreamishOpen,
} from './streamish';
export type { Bytes, StreamishCallbacks, StreamishOptions, StreamishWriteOptions, WriteDone } from './streamish';
export {
  AsyncSocket,
  SocketServer,
  writeSocketData,
  closeSocket,
  socketClosedP,
  checkSocketOpen,
  socketData,
  setSocketTimeouts,
  enableSocket,
  disableSocket,
  closeSocketServer,
  socketServerClosedP,
} from './socket';
export type {
  Direction,
  EnableOptions,
  ServerOptions,
  SocketKind,
  SocketOptions,
  SocketOrStream,
  SocketReadCb,
  SocketWriteCb,
  StreamReadCb,
  WriteSocketDataOptions,
} from './socket';
export { tcpConnect, tcpServer, TcpServer, closeTcpServer, tcpServerClosed, tcpSend, initTcpSocket, connectTcpSocket } from './tcp';
export type { ConnectOptions, StreamConnectOptions, TcpServerOptions } from './tcp';
export { pipeConnect, pipeServer, PipeServer } from './pipe';
export { tcpSslConnect, tcpSslServer, initTcpSslSocket } from './tls';
export type { PemInput, TcpSslServer, TlsConnectOptions, TlsOptions, TlsServerOptions } from './tls';
export { AsyncStream, AsyncInputStream, AsyncOutputStream, AsyncIoStream, streamSocket } from './async-stream';
export type { AsyncStreamOptions } from './async-stream';

export { AsyncProcess, spawn, processKill, processInput, processOutput, processErrorOutput } from './process';
export type { ExitCb, PipeOptions, ProcessStdio, SpawnOptions, StdioMode, StdioResult, StdioSpec, StreamPipeOptions } from './process';

export { httpRequest } from './http/request';
export type { HttpRequestOptions, HttpRequestValues } from './http/request';
export type { Content } from './http/request-body';
export { headerValue, headerValues } from './http/headers';
export type { Header, HeaderList } from './http/headers';
export { CookieJar, parseSetCookie, parseCookieDate } from './http/cookies';
export type { Cookie, CookieInit, CookieJarOptions, SetCookie } from './http/cookies';
export { urlEncode, encodeParameters } from './http/form';
export type { FilePart, FormFields, FormValue, Parameters, ParameterValue } from './http/form';
export { ResponseParser } from './http/parser';
export type { ResponseHandler, ResponseHead, ResponseParserOptions } from './http/parser';
export { RequestParser } from './http/request-parser';
export type { RequestHandler, RequestHead, RequestParserOptions } from './http/request-parser';
export type { Framing, MessageHandler, WireOptions } from './http/wire';
export { makeHttpParser } from './http/legacy-parser';
export type { HttpParserInput, HttpParserResult, MakeHttpParserOptions } from './http/legacy-parser';
export { httpClientStream, HttpResponseStream } from './http/client-stream';
export type { HttpClientStreamCb, HttpClientStreamOptions } from './http/client-stream';
export { httpClient } from './http/client';
export type { HttpClientOptions, HttpClientRequestCb } from './http/client';
export {
  HttpServer,
  HttpRequest,
  httpServer,
  httpResponse,
  closeHttpServer,
  httpServerClosed,
  httpRequestC,
  httpRequestMethod,
  httpRequestUri,
  httpRequestResource,
  httpRequestQuerystring,
  httpRequestHeaders,
  httpRequestBody,
} from './http/server';
export type { HttpRequestCb, HttpResponseOptions, HttpServerOptions, ResponseHeaders } from './http/server';
