export {
  findDynamoDbLocalJar,
  type RunningDynamoDbLocal,
  startDynamoDbLocal,
} from './dynamodb-local.js';
export { type RunningFauxqs, startFauxqs } from './fauxqs.js';
export { findFreePort } from './free-port.js';
export { type OutageProxy, startOutageProxy } from './outage-proxy.js';
export { findPostgresBinaries, startPostgresServer } from './postgres-server.js';
export { type RestartableServer, type RunningServer, startRedisServer } from './redis-server.js';
export { stopProcess } from './stop-process.js';
export { waitForPort } from './wait-for-port.js';
