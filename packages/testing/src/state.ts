// The fake Juju's state: one JSON document shared by FakeModel (in the test process) and every
// fake hook-tool process. The types only; state-file.ts reads and writes it under a lock.

/** A databag: string keys to string values. */
export type DatabagRecord = Record<string, string>;

/** One relation as the fake model stores it. */
export interface RelationState {
  endpoint: string;
  id: number;
  remoteApp: string;
  /** Removed relations are kept (for -relation-broken) but no longer listed. */
  dead: boolean;
  /** Remote units in scope, in insertion order; data per unit. */
  remoteUnits: Record<string, DatabagRecord>;
  /** Remote units that departed; their last data stays readable. */
  departedUnits: Record<string, DatabagRecord>;
  remoteAppData: DatabagRecord;
  /** Committed data of our own unit and application. */
  localUnitData: DatabagRecord;
  localAppData: DatabagRecord;
}

/** Relation settings written during a hook, applied only when the hook exits 0. */
export interface PendingRelationSets {
  unit: DatabagRecord;
  app: DatabagRecord;
}

/** One revision of a secret. Values are kept base64-encoded, as Juju stores them. */
export interface SecretRevisionState {
  revision: number;
  content: Record<string, string>;
  /** ISO time at which this revision expires (`--expire`), if any. */
  expireAt?: string | undefined;
}

/** A grant of a secret over a relation, to the remote application or one unit of it. */
export interface SecretGrantState {
  relationId: string;
  unit?: string | undefined;
}

/** A secret, owned by our unit, our application, or (shared with us) a remote application. */
export interface SecretState {
  /** The bare id (20 characters of base32hex, like Juju's xid). */
  id: string;
  ownerKind: 'application' | 'unit';
  /** The owning application or unit name. */
  owner: string;
  /** The owner's label (unique per owner). */
  label?: string | undefined;
  description?: string | undefined;
  rotation?: string | undefined;
  rotatesAt?: string | undefined;
  revisions: SecretRevisionState[];
  /** The highest revision ever made; numbering goes on after removals. */
  latestRevision: number;
  grants: SecretGrantState[];
  /** Our unit's view as a consumer of a remote secret: its label and tracked revision. */
  consumerLabel?: string | undefined;
  trackedRevision?: number | undefined;
}

/** A secret change buffered in a hook context; applied in order when the hook exits 0. */
export type SecretOp =
  | { kind: 'add'; secret: SecretState }
  | {
      kind: 'set';
      id: string;
      content?: Record<string, string> | undefined;
      label?: string | undefined;
      description?: string | undefined;
      expireAt?: string | undefined;
      rotation?: string | undefined;
      rotatesAt?: string | undefined;
    }
  | { kind: 'remove'; id: string; revision?: number | undefined }
  | { kind: 'grant'; id: string; grant: SecretGrantState }
  | { kind: 'revoke'; id: string; relationIds?: string[] | undefined; unit?: string | undefined }
  | { kind: 'track'; id: string; revision?: number | undefined; consumerLabel?: string | undefined };

/** The fake's clock: a fixed instant, or real time shifted by an offset. */
export interface ClockState {
  fixedMs?: number | undefined;
  offsetMs: number;
}

/** One hook execution context, named by `JUJU_CONTEXT_ID`. */
export interface HookContextState {
  hook: string;
  relationId?: string;
  remoteUnit?: string;
  remoteApp?: string;
  departingUnit?: string;
  active: boolean;
  /** Buffered relation-set data per relation id. Empty string values mean "delete". */
  pending: Record<string, PendingRelationSets>;
  /** Buffered secret changes, in order. */
  secretOps: SecretOp[];
}

/** One recorded hook-tool call. Relation and leader values are redacted. */
export interface ToolCall {
  /** The tool name, e.g. `relation-get`. */
  tool: string;
  /** The arguments after the tool name, with `key=value` values redacted to `key=<redacted>`. */
  args: string[];
  /** The hook the call was made in (`JUJU_HOOK_NAME` of the context), or `""`. */
  hook: string;
  /** The hook context id (`JUJU_CONTEXT_ID`), or `""`. */
  contextId: string;
  /** The tool's exit code: 0, 1 (runtime error) or 2 (usage error). */
  exitCode: number;
}

/** A juju-log line. */
export interface LogEntry {
  level: string;
  message: string;
  hook: string;
}

/** A workload status. */
export interface StatusValue {
  status: string;
  message: string;
}

/** The address and subnet facts a network-get reports for one binding. */
export interface NetworkInfo {
  'bind-addresses'?: {
    'mac-address': string;
    'interface-name': string;
    addresses: { hostname: string; value: string; cidr: string }[];
  }[];
  'egress-subnets'?: string[];
  'ingress-addresses'?: string[];
}

/** The whole state file. */
export interface FakeState {
  version: 1;
  model: { name: string; uuid: string };
  /** `JUJU_VERSION`: secret URIs are `secret://<model-uuid>/<id>` from 3.1, `secret:<id>` before. */
  jujuVersion: string;
  unit: string;
  leader: boolean;
  /** Config values set by the test (they override the defaults). */
  config: Record<string, unknown>;
  /** Options declared in the charm's config.yaml: type and default. */
  configOptions: Record<string, ConfigOptionState>;
  addresses: { public: string; private: string };
  relations: Record<string, RelationState>;
  nextRelationId: number;
  /** Bindings known to network-get besides relation endpoints. */
  bindings: string[];
  networks: Record<string, NetworkInfo>;
  leaderSettings: DatabagRecord;
  unitStatus: StatusValue;
  applicationStatus: StatusValue;
  applicationVersion: string;
  logs: LogEntry[];
  calls: ToolCall[];
  contexts: Record<string, HookContextState>;
  secrets: Record<string, SecretState>;
  clock: ClockState;
}

/** One option of config.yaml. */
export interface ConfigOptionState {
  type: 'string' | 'int' | 'float' | 'boolean' | 'secret';
  default: string | number | boolean | null;
}
