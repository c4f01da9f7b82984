export { EmulatorError, type EmulatorInstall, ensureEmulator, repoRoot, venvDir } from './install';
export { freePort, modelData, type RunningEmulator, startEmulator } from './server';
