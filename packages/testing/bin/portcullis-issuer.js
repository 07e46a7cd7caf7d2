#!/usr/bin/env node
// Kept in git (dist is not) so the bin target exists on a fresh clone; it runs the built CLI.
import process from 'node:process';
import { main } from '../dist/cli.js';

await main(process.argv.slice(2));
