export { startDemo, instructions, DEMO_CLIENT, DEMO_AUDIENCE } from './demo.js';
export type { Demo, DemoOptions } from './demo.js';
export { startExpressApp, startFastifyApp, startKoaApp } from './apps.js';
export type { RunningApp } from './apps.js';
export { startBank, BANK_CLIENT, BANK_API_CLIENT, BANK_AUDIENCE, BANK_TOKEN_LIFETIME } from './bank.js';
export type { Bank } from './bank.js';
export { startMcpApp } from './mcp-app.js';
export type { RunningMcpApp } from './mcp-app.js';
