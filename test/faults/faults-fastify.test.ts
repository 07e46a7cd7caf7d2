// The fault scenario table (scenarios.ts) through fastifyAdapter; see helpers/describe-faults.ts.
import { fastifyAdapter } from './helpers/apps.js';
import { describeFaults } from './helpers/describe-faults.js';

describeFaults(fastifyAdapter);
