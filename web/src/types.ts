// Shapes of the REST API (docs/server/api.md). Fields the contract leaves open
// are optional so the board degrades gracefully instead of crashing.

export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNKNOWN';
export const SEVERITIES: Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];
export type State = 'new' | 'triaged' | 'in_progress' | 'fixed' | 'accepted_risk' | 'false_positive';
export const STATES: State[] = ['new', 'triaged', 'in_progress', 'fixed', 'accepted_risk', 'false_positive'];
export const KINDS = ['vulnerability', 'misconfiguration', 'secret', 'sast', 'compliance', 'runtime'];
export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'];
export const JUSTIFICATIONS = [
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
];
export const ROLES = ['viewer', 'operator', 'admin'];
export const ARTIFACT_KINDS = ['image', 'host', 'repository'];

export interface User { name: string; role: string }
export interface Me { user: User; csrf_token: string }

export interface Page<T> { items: T[]; next_cursor: string | null; total: number; total_is_estimate?: boolean }

export interface Counts { critical?: number; high?: number; medium?: number; low?: number; unknown?: number }

export interface Exception { until?: string | null; until_fix?: boolean; reason?: string }

export interface Finding {
  id: string | number;
  artifact_id: string | number;
  artifact_name?: string;
  kind: string;
  rule_id: string;
  title?: string;
  severity: Severity;
  package_name?: string;
  package_version?: string;
  fixed_versions?: string[];
  location?: string | Record<string, unknown> | null;
  state: State;
  assignee?: string | null;
  due_date?: string | null;
  priority?: { score: number; level: string; factors?: PriorityFactor[] };
  epss?: number | null;
  kev?: boolean;
  first_seen?: string;
  last_seen?: string;
  fixed_at?: string | null;
  exception?: Exception | null;
  justification?: string | null;
  ticket?: string | Record<string, unknown> | null;
  description?: string;
  references?: string[];
  comments?: Comment[];
  history?: HistoryEntry[];
  finding?: { description?: string; references?: string[]; aliases?: string[]; evidence?: string; [k: string]: unknown };
}

export interface PriorityFactor { factor: string; points: number; detail?: string }
export interface Comment { id?: number | string; at?: string; created_at?: string; author?: string; actor?: string; text: string }
export interface HistoryEntry {
  at?: string; actor?: string; action?: string; change?: string; detail?: string;
  from?: string; to?: string; field?: string; old?: string; new?: string; note?: string; [k: string]: unknown;
}

export interface Artifact {
  id: string | number;
  kind: string;
  name: string;
  digest?: string;
  tags?: string[];
  repositories?: string[];
  os?: string | { family?: string; version?: string; name?: string } | null;
  eol_date?: string | null;
  internet_facing?: boolean;
  first_seen?: string;
  last_seen?: string;
  counts?: Counts;
  risk?: number;
  latest_scan?: Scan | null;
  layers?: LayerInfo[];
  compliance?: ComplianceSummary[];
  digests?: { digest: string; tags?: string[]; repositories?: string[]; first_seen?: string; last_seen?: string }[];
}

export interface LayerInfo { digest: string; size?: number; created_by?: string; findings?: number | Counts }
export interface ComplianceSummary { spec?: string; id?: string; title?: string; name?: string; pass?: number; fail?: number; passed?: number; failed?: number; [k: string]: unknown }

export interface Scan {
  id: string | number; artifact_id?: string | number; created_at?: string; received_at?: string;
  tool_version?: string; target_kind?: string; scanners?: string[] | Record<string, unknown>; counts?: Counts;
}

export interface PackageRow { name: string; version: string; ecosystem?: string; purl?: string; layer?: string | null; findings?: number }

export interface PatchPlan {
  artifact_id?: string | number;
  os?: { family?: string; version?: string; eol_date?: string | null; eol?: boolean } | null;
  packages: { name: string; ecosystem?: string; installed: string; upgrade_to?: string | null; fixes?: string[]; unfixed?: string[]; layer?: string | null; from_base_image?: boolean }[];
  base_image?: { suggestion: string; share_of_findings?: number } | null;
  warnings?: string[];
}

export interface Practice {
  id: number; key: string; title: string;
  status: 'good' | 'warning' | 'critical' | 'no_data';
  score: number | null;
  trend?: { date: string; score: number | null }[];
  drivers?: string[];
  feed?: string;
}
export interface Stage { id: string; title: string; practices: Practice[] }
export interface Overview { generated_at?: string; stages: Stage[]; totals?: Record<string, unknown> }

export interface TrendDay { date: string; open: Counts; new?: number; fixed?: number }

export interface AdminUser { name: string; role: string; created_at?: string; last_login?: string | null; disabled?: boolean }
export interface Token { id: string | number; name: string; role: string; created_at?: string; last_used?: string | null; [k: string]: unknown }
export interface Settings {
  sla_days: Record<string, number>;
  webhook?: { url?: string; format?: string; project_key?: string } | null;
}
export interface AuditEntry { at: string; actor: string; action: string; object?: string; detail?: unknown; client?: string }
