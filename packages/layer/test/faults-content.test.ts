import { describeFaults, FAULT_CASES } from './fault-cases.js';

describeFaults(FAULT_CASES.filter((c) => ['mismatched-key', 'huge-value', 'key-as-cert'].includes(c.fault)));
