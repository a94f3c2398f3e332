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
