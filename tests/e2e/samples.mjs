// Sample reports for the board's browser tests, derived from the project's
// own fixture (tests/fixtures/enrich/report-debian-image.json): two scans of
// one image (a finding fixed in between, so trends show new vs fixed), a
// second image, a host and a source repository with misconfiguration and
// secret findings. Built in code so each test run gets fresh dates.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const clone = (x) => JSON.parse(JSON.stringify(x));
const daysAgo = (n) => new Date(Date.now() - n * 86400000).toISOString().replace(/\.\d+Z$/, 'Z');

export function sampleReports(sourceDir) {
  const base = JSON.parse(readFileSync(path.join(sourceDir, 'tests/fixtures/enrich/report-debian-image.json'), 'utf8'));
  base.tool.components = { ...(base.tool.components || {}), 'scanner:vuln': 'on' };
  const reports = [];

  // Image "shop/web": an older scan with one more finding, then the current one.
  const webOld = clone(base);
  webOld.created_at = daysAgo(6);
  webOld.target.reference = 'registry.example/shop/web:1.4';
  webOld.target.artifact.name = 'registry.example/shop/web:1.4';
  webOld.target.artifact.repo_tags = ['registry.example/shop/web:1.4', 'registry.example/shop/web:latest'];
  webOld.findings.push({
    kind: 'vulnerability', id: 'CVE-2023-38545', severity: 'CRITICAL', status: 'open',
    fingerprint: 'fp-CVE-2023-38545-curl', title: 'curl: SOCKS5 heap buffer overflow',
    location: { path: 'var/lib/dpkg/status' },
    package: { name: 'curl', version: '7.88.1-10', ecosystem: 'deb' },
    remediation: { fix_state: 'fixed', fixed_versions: ['7.88.1-10+deb12u4'] },
    scores: [{ source: 'nvd', type: 'cvss_v31', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', value: 9.8 }],
  });
  reports.push({ name: 'web-old', report: webOld });

  const web = clone(base);
  web.created_at = daysAgo(1);
  web.target.reference = 'registry.example/shop/web:1.4';
  web.target.artifact.name = 'registry.example/shop/web:1.4';
  web.target.artifact.repo_tags = ['registry.example/shop/web:1.4', 'registry.example/shop/web:latest'];
  // Enrichment the scanner adds from FIRST EPSS and CISA KEV.
  for (const f of web.findings) {
    if (f.id === 'CVE-2023-4911') { f.known_exploited = true; f.known_exploited_since = '2023-11-21'; f.epss_score = 0.62; }
    if (f.id === 'CVE-2023-45853') f.epss_score = 0.011;
  }
  reports.push({ name: 'web', report: web });

  // A second image with its own digest and a subset of the findings.
  const api = clone(base);
  api.created_at = daysAgo(2);
  const digest = 'sha256:' + '5'.repeat(64);
  api.target.reference = 'registry.example/shop/api:2.0';
  api.target.digest = digest;
  api.target.artifact.name = 'registry.example/shop/api:2.0';
  api.target.artifact.manifest_digest = digest;
  api.target.artifact.config_digest = 'sha256:' + '6'.repeat(64);
  api.target.artifact.repo_tags = ['registry.example/shop/api:2.0'];
  api.findings = api.findings.filter((f) => f.package?.ecosystem === 'deb');
  for (const f of api.findings) f.fingerprint = f.fingerprint + '-api';
  reports.push({ name: 'api', report: api });

  // A host: the same OS packages, scanned on a node.
  const host = clone(base);
  host.created_at = daysAgo(1);
  host.target = { kind: 'host', reference: 'node-1.example' };
  host.findings = host.findings.filter((f) => f.package?.ecosystem === 'deb').map((f) => {
    const g = clone(f);
    delete g.location.layer;
    g.fingerprint = g.fingerprint + '-host';
    return g;
  });
  reports.push({ name: 'host', report: host });

  // A source repository: a Dockerfile misconfiguration and a leaked secret.
  const repo = {
    schema_version: 1,
    created_at: daysAgo(1),
    tool: { name: 'bulwark', version: base.tool.version, components: { 'scanner:misconfig': 'on', 'scanner:secret': 'on' } },
    target: { kind: 'repository', reference: 'https://git.example/shop/web.git' },
    inventory: {},
    findings: [
      {
        kind: 'misconfiguration', id: 'BW-DF-002', severity: 'HIGH', status: 'open', fingerprint: 'fp-repo-df-root',
        title: 'Image runs as root: the Dockerfile has no USER instruction', location: { path: 'Dockerfile', line: 1 },
      },
      {
        kind: 'secret', id: 'aws-access-key-id', severity: 'CRITICAL', status: 'open', fingerprint: 'fp-repo-secret-aws',
        title: 'AWS access key id', location: { path: 'deploy/env.sh', line: 3 }, evidence: 'AKIA****************',
      },
    ],
  };
  reports.push({ name: 'repo', report: repo });
  return reports;
}
