export { startDemo, instructions, DEMO_CLIENT, DEMO_AUDIENCE } from './demo.js';
export type { Demo, DemoOptions } from './demo.js';
export { startExpressApp, startFastifyApp, startKoaApp } from './apps.js';
export type { RunningApp } from './apps.js';
export { startMcpApp } from './mcp-app.js';
export type { RunningMcpApp } from './mcp-app.js';
