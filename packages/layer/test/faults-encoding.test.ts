import { describeFaults, FAULT_CASES } from './fault-cases.js';

describeFaults(FAULT_CASES.filter((c) => ['garbage-json', 'truncated-pem', 'text-dump'].includes(c.fault)));
