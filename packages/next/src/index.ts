export {
  installedPackages,
  instrumentationProblem,
  type WithWorldkitOptions,
  WORLDKIT_SERVER_PACKAGES,
  withWorldkit,
} from './with-worldkit.js';
