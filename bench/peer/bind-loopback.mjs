// Preloaded into the Portkey gateway (`node --import`): its start script listens on a port with no
// host, which Node binds to every interface. The benchmark keeps all traffic on loopback, so a
// listen() given a port and no host is bound to 127.0.0.1 instead. Nothing else is changed.
import { Server } from 'node:net';

const listen = Server.prototype.listen;
Server.prototype.listen = function listenOnLoopback(...args) {
  if (typeof args[0] === 'number' && (args[1] === undefined || typeof args[1] === 'function')) {
    if (args[1] === undefined) args[1] = '127.0.0.1';
    else args.splice(1, 0, '127.0.0.1');
  }
  return listen.apply(this, args);
};
