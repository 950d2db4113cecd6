import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { CohortConfigError, loadCohortFile, parseCohortYaml } from '../../../lib/config';
import { ApiEndpointAccess, ArtifactRetention, MLFLOW_ADMIN_USERNAME, normaliseId } from '../../../lib/core';
import { configFrom, fixture, loadCohort, REPO_ROOT, TODAY } from '../../support/cohort';

describe('cohort file loading', () => {
  test('the demo cohort loads with normalised learners and profile defaults', () => {
    // WHEN
    const config = loadCohort('cohorts/demo.yaml');

    // THEN
    expect(config.name).toBe('demo-2027-spring');
    expect(config.profile.name).toBe('cohort');
    expect(config.expires).toBe('2027-04-30');
    expect(config.learners.map((l) => [l.id, l.slug, l.namespace, l.s3Prefix])).toEqual([
      ['grace.hopper', 'grace-hopper', 'learner-grace-hopper', 'learners/grace-hopper/'],
      ['alan_turing', 'alan-turing', 'learner-alan-turing', 'learners/alan-turing/'],
      ['Katherine-Johnson', 'katherine-johnson', 'learner-katherine-johnson', 'learners/katherine-johnson/'],
    ]);
    expect(config.artifacts.retention).toBe(ArtifactRetention.RETAIN);
    expect(config.tags).toEqual({ 'cost-center': 'mlops-course' });
  });

  test('the sandbox example gets the sandbox defaults', () => {
    const config = loadCohort('cohorts/sandbox-example.yaml');

    expect(config.profile.isSandbox).toBe(true);
    expect(config.artifacts.retention).toBe(ArtifactRetention.DELETE);
    expect(config.compute).toEqual({
      instanceTypes: ['t3.large', 't3a.large'],
      minNodes: 1,
      maxNodes: 2,
      spot: true,
    });
    // No instructor: the owner falls back to the learner.
    expect(config.owner).toBe('grace.hopper@cohort-lab.example');
  });

  test('defaults: owner is the first instructor, Feast project derives from the cohort name', () => {
    const config = configFrom();

    expect(config.owner).toBe('ada@example.edu');
    expect(config.feast.project).toBe('test_cohort');
    expect(config.mlflow.defaultPermission).toBe('READ');
    expect(config.compute.instanceTypes).toEqual(['m6i.large']);
  });

  test('drift: the schedule defaults to daily at 06:00 UTC and the image to the one CDK builds', () => {
    // GIVEN a cohort file without a drift section; WHEN loaded; THEN the defaults
    expect(configFrom().drift).toEqual({ schedule: '0 6 * * *', image: undefined });
  });

  test('a node group may span up to the EKS limit of 450 nodes', () => {
    // WHEN
    const config = configFrom((doc) => {
      doc.compute = { minNodes: 450, maxNodes: 450 };
    });

    // THEN
    expect(config.compute).toMatchObject({ minNodes: 450, maxNodes: 450 });
  });

  test('a sandbox defaults to deleting its artifacts, a cohort to retaining them', () => {
    const cohort = configFrom();
    const sandbox = configFrom((doc) => {
      doc.profile = 'sandbox';
      doc.course = { start: '2027-01-04', end: '2027-01-31' };
    });

    expect(cohort.artifacts.retention).toBe(ArtifactRetention.RETAIN);
    expect(sandbox.artifacts.retention).toBe(ArtifactRetention.DELETE);
  });

  test('an expiry of today is still accepted', () => {
    const config = configFrom((doc) => {
      doc.course = { start: '2026-09-01', end: TODAY };
    });
    expect(config.expires).toBe(TODAY);
  });
});

describe('the cluster endpoint section', () => {
  test('defaults to a private endpoint with no public CIDR blocks', () => {
    // WHEN
    const config = configFrom();

    // THEN
    expect(config.cluster).toEqual({
      endpointAccess: ApiEndpointAccess.PRIVATE,
      publicAccessCidrs: [],
      allowPublicAccessFromAnywhere: false,
    });
  });

  test('a public endpoint keeps the listed CIDR blocks', () => {
    const config = configFrom((doc) => {
      doc.cluster = { endpointAccess: 'public', publicAccessCidrs: ['203.0.113.0/24', '198.51.100.7/32'] };
    });
    expect(config.cluster.endpointAccess).toBe(ApiEndpointAccess.PUBLIC);
    expect(config.cluster.publicAccessCidrs).toEqual(['203.0.113.0/24', '198.51.100.7/32']);
    expect(config.cluster.allowPublicAccessFromAnywhere).toBe(false);
  });

  test('0.0.0.0/0 is accepted only next to the explicit opt-in', () => {
    const config = configFrom((doc) => {
      doc.cluster = {
        endpointAccess: 'public',
        publicAccessCidrs: ['0.0.0.0/0'],
        allowPublicAccessFromAnywhere: true,
      };
    });
    expect(config.cluster.publicAccessCidrs).toEqual(['0.0.0.0/0']);
    expect(config.cluster.allowPublicAccessFromAnywhere).toBe(true);
  });

  test('fails when more CIDR blocks are listed than EKS accepts', () => {
    const cidrs = Array.from({ length: 41 }, (_, i) => `198.51.${i}.0/24`);
    const err = captureError(() =>
      parseCohortYaml(
        [
          'cohort: test-cohort',
          'profile: cohort',
          "course: { start: '2027-01-04', end: '2027-03-26' }",
          'instructors: [{ id: ada, email: ada@example.edu }]',
          'learners: [{ id: grace, email: grace@example.edu, displayName: Grace }]',
          `cluster: { endpointAccess: public, publicAccessCidrs: [${cidrs.join(', ')}] }`,
        ].join('\n'),
        'many.yaml',
        { today: TODAY },
      ),
    );
    expect(err.message).toMatch(
      /^many\.yaml: cluster\.publicAccessCidrs: must list at most 40 CIDR blocks \(EKS limit\) \(got \["198\.51\.0\.0\/24",/,
    );
  });
});

describe('who reaches MLflow', () => {
  test('defaults to the internet: no CIDR list, no opt-in', () => {
    const config = configFrom();
    expect(config.mlflow.allowedCidrs).toEqual([]);
    expect(config.mlflow.allowAccessFromAnywhere).toBe(false);
  });

  test('keeps the listed networks', () => {
    const config = configFrom((doc) => {
      doc.mlflow = { ...(doc.mlflow as object), allowedCidrs: ['203.0.113.0/24', '198.51.100.7/32'] };
    });
    expect(config.mlflow.allowedCidrs).toEqual(['203.0.113.0/24', '198.51.100.7/32']);
  });

  test('0.0.0.0/0 is accepted only next to the explicit opt-in', () => {
    const config = configFrom((doc) => {
      doc.mlflow = { ...(doc.mlflow as object), allowedCidrs: ['0.0.0.0/0'], allowAccessFromAnywhere: true };
    });
    expect(config.mlflow.allowedCidrs).toEqual(['0.0.0.0/0']);
    expect(config.mlflow.allowAccessFromAnywhere).toBe(true);
  });

  test('fails when more CIDR blocks are listed than the security group holds', () => {
    const run = () =>
      configFrom((doc) => {
        doc.mlflow = {
          ...(doc.mlflow as object),
          allowedCidrs: Array.from({ length: 31 }, (_, i) => `198.51.${i}.0/24`),
        };
      });
    expect(run).toThrow(
      /^mlflow\.allowedCidrs: must list at most 30 CIDR blocks \(two security group rules each; 60 per group\)$/,
    );
  });
});

describe('the normalisation rule', () => {
  test.each([
    ['grace.hopper', 'grace-hopper'],
    ['Grace_Hopper', 'grace-hopper'],
    ['GRACE--HOPPER', 'grace-hopper'],
    ['-ada-', 'ada'],
    ['a.b_c-d', 'a-b-c-d'],
    ['user42', 'user42'],
  ])('%s normalises to %s', (raw, slug) => {
    expect(normaliseId(raw)).toBe(slug);
  });
});

describe('bad cohort files', () => {
  // Each fixture is one mistake; the whole message is asserted, file, field path and value included.
  const cases: Array<[string, string[]]> = [
    [
      'unknown-field.yaml',
      ['learners: is required', 'learnrs: is not a known field; did you mean "learners"? (got "learnrs")'],
    ],
    [
      'id-collision.yaml',
      [
        'learners[1].id: collides with learners[0].id (both normalise to "grace-hopper") (got "Grace_Hopper")',
      ],
    ],
    ['end-before-start.yaml', ['course.end: is before course.start (2027-03-26) (got "2027-01-04")']],
    [
      'expiry-in-past.yaml',
      [
        'course.end: is in the past (today is 2026-11-29); the expiry must be today or later; to tear it down, allowExpired=true (got "2026-11-27")',
      ],
    ],
    [
      'cohort-name-not-dns.yaml',
      [
        'cohort: must be a DNS-safe name: lower-case letters, digits and "-", starting with a letter, at most 40 characters (got "Spring_Cohort")',
      ],
    ],
    ['bad-email.yaml', ['learners[1].email: must be an email address (got "alan-at-example.edu")']],
    ['duplicate-email.yaml', ['learners[1].email: duplicates learners[0].email (got "Grace@Example.edu")']],
    [
      'sandbox-too-long.yaml',
      ['course.end: makes the course 82 days long; profile sandbox allows at most 31 (got "2027-03-26")'],
    ],
    [
      'cohort-delete-retention.yaml',
      [
        'artifacts.retention: is not allowed for profile cohort; use one of retain, export (a cohort keeps its artifacts; export them before teardown instead) (got "delete")',
      ],
    ],
    [
      'cohort-expiry-teardown.yaml',
      [
        'expiry.action: is not allowed for profile cohort; use one of notify, scale-to-zero (its stacks have termination protection: tear it down with cohort-lab teardown) (got "teardown")',
        'expiry.remindDaysBefore[1]: puts the reminder on 2026-12-26, before course.start (2027-01-04) (got 90)',
      ],
    ],
    [
      'budget-unpriced-region.yaml',
      [
        'budget.actualPercent[1]: is listed twice (got 80)',
        'budget.monthlyUsd: must be set: the price table has no prices for region ap-south-2 (priced: us-east-1, eu-west-1), so no default can be estimated',
      ],
    ],
    [
      'budget-too-many-thresholds.yaml',
      [
        "budget.actualPercent: must list at most 4 percentages (a budget holds 5 notifications, one is the forecast's) (got [50,80,90,100,120])",
      ],
    ],
    [
      'alerts-bad-values.yaml',
      [
        'alerts.ops[0]: must be an email address (got "noc-at-example.edu")',
        'alerts.drift.driftedFeatures: must be 1 or more (got 0)',
        'alerts.drift.maxPsi: must be above 0 (got -0.1)',
        'alerts.slack.workspaceId: must be a Slack workspace id (upper-case letters and digits, such as T07EA123LEP) (got "t07ea123lep")',
      ],
    ],
    ['account-unquoted.yaml', ['account: must be a quoted 12-digit string (got 111122223333)']],
    [
      'reserved-tag.yaml',
      ['tags["lab:owner"]: tag keys starting with "aws:" or "lab:" are reserved (got "lab:owner")'],
    ],
    [
      'duplicate-key.yaml',
      ['cohort: duplicate key at line 3, column 1; the first is at line 1, column 1 (got "cohort")'],
    ],
    [
      'id-starts-with-digit.yaml',
      [
        'learners[0].id: normalises to "2fast", which must start with a letter and end with a letter or digit (got "2fast")',
      ],
    ],
    [
      'reserved-id.yaml',
      ['learners[1].id: normalises to "admin", which is reserved for the MLflow admin (got "Admin")'],
    ],
    [
      'duplicate-instance-type.yaml',
      ['compute.instanceTypes[2]: duplicates compute.instanceTypes[0] (got "m6i.large")'],
    ],
    ['min-above-max-nodes.yaml', ['compute.minNodes: must not exceed compute.maxNodes (3) (got 5)']],
    [
      'nodes-above-node-group.yaml',
      [
        'compute.minNodes: must be 450 or fewer (EKS: nodes per managed node group) (got 451)',
        'compute.maxNodes: must be 450 or fewer (EKS: nodes per managed node group) (got 500)',
      ],
    ],
    ['not-a-mapping.yaml', ['must be a YAML mapping of cohort fields (got [{"cohort":"test-cohort"}])']],
    [
      'bad-principal-arn.yaml',
      [
        'instructors[0].iamPrincipalArn: must be an IAM role or user ARN (arn:aws:iam::<account>:role/<name>) (got "arn:aws:s3:::not-a-role")',
      ],
    ],
    ['impossible-date.yaml', ['course.end: is not a calendar date (got "2027-02-30")']],
    ['no-instructor.yaml', ['instructors: must list at least one instructor for profile cohort (got [])']],
    [
      'bad-cidr.yaml',
      [
        'cluster.publicAccessCidrs[1]: must be an IPv4 CIDR block such as 203.0.113.0/24 (got "198.51.100.0/33")',
      ],
    ],
    [
      'cidr-host-bits.yaml',
      [
        'cluster.publicAccessCidrs[0]: has host bits set; write the network address 203.0.113.0/24 (got "203.0.113.7/24")',
      ],
    ],
    [
      'world-cidr-without-opt-in.yaml',
      [
        'cluster.publicAccessCidrs[1]: opens the API endpoint to the whole internet; set cluster.allowPublicAccessFromAnywhere: true if that is intended (got "0.0.0.0/0")',
      ],
    ],
    [
      'broad-cidrs-without-opt-in.yaml',
      [
        'cluster.publicAccessCidrs[0]: is broader than /8 and opens the API endpoint to a large part of the internet; set cluster.allowPublicAccessFromAnywhere: true if that is intended (got "0.0.0.0/1")',
        'cluster.publicAccessCidrs[1]: is broader than /8 and opens the API endpoint to a large part of the internet; set cluster.allowPublicAccessFromAnywhere: true if that is intended (got "128.0.0.0/1")',
      ],
    ],
    [
      'public-cidrs-with-private-access.yaml',
      [
        'cluster.publicAccessCidrs: only applies when cluster.endpointAccess is public; remove it or make the endpoint public (got ["203.0.113.0/24"])',
      ],
    ],
    [
      'opt-in-with-private-access.yaml',
      [
        'cluster.allowPublicAccessFromAnywhere: only applies when cluster.endpointAccess is public; remove it or make the endpoint public (got true)',
      ],
    ],
    [
      'public-without-cidrs.yaml',
      [
        'cluster.publicAccessCidrs: must list at least one CIDR block when cluster.endpointAccess is public (EKS would read an empty list as 0.0.0.0/0)',
      ],
    ],
    [
      'duplicate-cidr.yaml',
      ['cluster.publicAccessCidrs[1]: duplicates cluster.publicAccessCidrs[0] (got "203.0.113.0/24")'],
    ],
    ['bad-endpoint-access.yaml', ['cluster.endpointAccess: must be one of private, public (got "internet")']],
    [
      'drift-bad-schedule.yaml',
      [
        'drift.schedule: hour "25" must be within 0-23 (got "0 25 * * *")',
        'drift.image: must be a full image reference pinned by digest (@sha256:...) or by a tag other than latest (got "repo/monitoring:latest")',
      ],
    ],
    [
      'bad-enum.yaml',
      [
        'profile: must be one of cohort, sandbox (got "classroom")',
        'mlflow.defaultPermission: must be one of READ, EDIT, MANAGE, NO_PERMISSIONS (got "WRITE")',
      ],
    ],
  ];

  cases.push(
    [
      'cohort-without-tls.yaml',
      [
        "mlflow.certificateArn: is required for profile cohort: learners' MLflow passwords must travel over TLS",
      ],
    ],
    [
      'certificate-without-hostname.yaml',
      ['mlflow.hostname: is required with mlflow.certificateArn: the certificate is for a host name'],
    ],
    [
      'image-latest.yaml',
      [
        'feast.image: must be a full image reference pinned by digest (@sha256:...) or by a tag other than latest (got "registry.example.edu/feast:latest")',
      ],
    ],
  );

  // Every problem at once: the rules run on the sections that passed the schema, never on a guess.
  cases.push(
    [
      'schema-and-roster-problems.yaml',
      [
        'cohort: must be a DNS-safe name: lower-case letters, digits and "-", starting with a letter, at most 40 characters (got "Spring_Cohort")',
        'learners[1].id: collides with learners[0].id (both normalise to "grace-hopper") (got "Grace_Hopper")',
      ],
    ],
    [
      'roster-email-and-collision.yaml',
      [
        'learners[1].email: must be an email address (got "alan-at-example.edu")',
        'learners[2].id: collides with learners[0].id (both normalise to "grace-hopper") (got "Grace_Hopper")',
      ],
    ],
    ['misspelt-section.yaml', ['mlfow: is not a known field; did you mean "mlflow"? (got "mlfow")']],
  );

  // Who reaches MLflow: the same CIDR rules as the API endpoint, under mlflow.
  cases.push(
    [
      'mlflow-bad-cidr.yaml',
      ['mlflow.allowedCidrs[1]: must be an IPv4 CIDR block such as 203.0.113.0/24 (got "campus")'],
    ],
    [
      'mlflow-cidr-host-bits.yaml',
      [
        'mlflow.allowedCidrs[0]: has host bits set; write the network address 198.51.100.0/24 (got "198.51.100.77/24")',
      ],
    ],
    [
      'mlflow-duplicate-cidr.yaml',
      ['mlflow.allowedCidrs[2]: duplicates mlflow.allowedCidrs[0] (got "198.51.100.0/24")'],
    ],
    [
      'mlflow-world-cidr-without-opt-in.yaml',
      [
        'mlflow.allowedCidrs[0]: opens MLflow to the whole internet; set mlflow.allowAccessFromAnywhere: true if that is intended (got "0.0.0.0/0")',
      ],
    ],
    [
      'mlflow-opt-in-without-cidrs.yaml',
      [
        'mlflow.allowAccessFromAnywhere: only applies with mlflow.allowedCidrs; without that list MLflow admits the internet already (got true)',
      ],
    ],
    [
      'mlflow-empty-cidrs.yaml',
      [
        'mlflow.allowedCidrs: must list at least one CIDR block; leave mlflow.allowedCidrs out to admit the internet (got [])',
      ],
    ],
  );

  // IAM principals: the partition exists and is the region's; names compare without case.
  cases.push(
    [
      'principal-wrong-partition.yaml',
      [
        'instructors[0].iamPrincipalArn: is in partition "aws-cn", but region eu-west-1 is in partition "aws" (the ARN must start arn:aws:) (got "arn:aws-cn:iam::111122223333:role/Ada")',
      ],
    ],
    [
      'principal-unknown-partition.yaml',
      [
        'instructors[0].iamPrincipalArn: names partition "awsbogus", which does not exist; the partitions are aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc (got "arn:awsbogus:iam::111122223333:role/Ada")',
      ],
    ],
    [
      'principal-case-duplicate.yaml',
      [
        'learners[0].iamPrincipalArn: duplicates instructors[0].iamPrincipalArn (IAM names are case-insensitive) (got "arn:aws:iam::111122223333:role/ADA")',
      ],
    ],
  );

  // Lab 2: learners' GitHub repositories and the cohort's OIDC provider.
  cases.push(
    [
      'github-bad-repository.yaml',
      [
        'learners[0].github.repository: must be a GitHub repository written <owner>/<repo>: the owner 1-39 letters, digits and single hyphens (not at either end), the name 1-100 letters, digits, ".", "_" and "-" (got "-grace/promotion")',
      ],
    ],
    [
      'github-bad-environment.yaml',
      [
        'learners[0].github.environments[1]: must be a GitHub environment name of 1-255 letters, digits, ".", "_" and "-" (got "prod*")',
      ],
    ],
    [
      'github-duplicates.yaml',
      [
        'learners[0].github.environments[1]: duplicates learners[0].github.environments[0] (GitHub environment names are not case-sensitive) (got "Staging")',
        'learners[1].github.repository: duplicates learners[0].github.repository (one repository\'s jobs could assume both learners\' CI roles) (got "Grace/Promotion")',
      ],
    ],
    [
      'github-bad-oidc-provider.yaml',
      [
        'github.oidcProvider: must be create, or the ARN of an existing IAM OIDC provider arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com (got "arn:aws:iam::111122223333:oidc-provider/accounts.google.com")',
      ],
    ],
    [
      'github-provider-other-account.yaml',
      [
        'github.oidcProvider: is in account 444455556666, but the cohort deploys to account 111122223333; a role trusts a provider of its own account (got "arn:aws:iam::444455556666:oidc-provider/token.actions.githubusercontent.com")',
      ],
    ],
    [
      'github-without-section.yaml',
      [
        "learners[0].github: needs the cohort's github section (github: { oidcProvider: create }, or the existing provider's ARN): it holds GitHub's OIDC provider and the CI policy whatever the roster",
      ],
    ],
    [
      'github-trust-policy-too-long.yaml',
      [
        'learners[0].github: makes the CI role\'s trust policy about 2316 characters; IAM allows 2048 (IAM User Guide, "IAM and AWS STS quotas": Role trust policy length, 2,048 characters (default)): list fewer or shorter environments',
      ],
    ],
  );

  // Rosters in the project's words, with values as the file spells them.
  cases.push(
    ['id-not-text.yaml', ['learners[0].id: ids are text; quote it, or YAML reads it as a number (got 007)']],
    [
      'learner-not-a-mapping.yaml',
      [
        'learners[1]: must be a learner: a mapping with id, email, displayName and optionally iamPrincipalArn (got "alan")',
      ],
    ],
  );

  // YAML mistakes in the project's words, one line each.
  cases.push(
    [
      'tab-indented.yaml',
      ['line 5, column 1: tabs are not allowed for indentation in YAML; indent with spaces'],
    ],
    ['two-documents.yaml', ['holds 2 YAML documents; a cohort file is one document']],
  );

  test.each(cases)('fails when the file is %s', (name, expected) => {
    const file = fixture(join('bad', name));
    const run = () => loadCohortFile(join(REPO_ROOT, file), { today: TODAY });

    expect(run).toThrow(CohortConfigError);
    const err = captureError(run);
    const prefix = `${join(REPO_ROOT, file)}: `;
    expect(err.message).toBe(expected.map((line) => `${prefix}${line}`).join('\n'));
    expect(err.problems).toHaveLength(expected.length);
    for (const problem of err.problems) {
      expect(problem.file).toBe(join(REPO_ROOT, file));
    }
  });

  test('every fixture in test/fixtures/cohorts/bad has a case', () => {
    const files = readdirSync(join(REPO_ROOT, fixture('bad'))).sort();
    expect(files).toEqual(cases.map(([name]) => name).sort());
  });

  test('fails when the file does not exist, naming it', () => {
    const err = captureError(() => loadCohortFile('cohorts/missing.yaml'));
    expect(err.message).toMatch(/^cohorts\/missing\.yaml: cannot be read: ENOENT/);
  });

  test('fails when YAML is malformed, with line and column', () => {
    const err = captureError(() => parseCohortYaml('cohort: [unclosed\n', 'broken.yaml', { today: TODAY }));
    expect(err.message).toMatch(/^broken\.yaml: is not valid YAML: .+ at line \d+, column \d+$/);
  });

  test('a tab between a key and its value is not indentation, and is accepted', () => {
    // GIVEN
    const text = readFileSync(join(REPO_ROOT, fixture('valid-base.yaml')), 'utf8').replace(
      'cohort: test-cohort',
      'cohort:\ttest-cohort',
    );

    // WHEN
    const config = parseCohortYaml(text, 'tab.yaml', { today: TODAY });

    // THEN
    expect(config.name).toBe('test-cohort');
  });

  test('fails when the file holds three documents, counting them', () => {
    // WHEN
    const err = captureError(() =>
      parseCohortYaml('cohort: a\n---\ncohort: b\n---\ncohort: c\n', 'three.yaml'),
    );

    // THEN
    expect(err.message).toBe('three.yaml: holds 3 YAML documents; a cohort file is one document');
  });

  test('fails when a nested key is duplicated, naming its field path and every duplicate', () => {
    const err = captureError(() =>
      parseCohortYaml(
        [
          'cohort: test-cohort',
          'tags:',
          '  course: mlops',
          '  term: spring',
          '  course: mlops-2',
          'learners:',
          '  - { id: grace, email: grace@example.edu, displayName: Grace }',
          '  - { id: alan, email: alan@example.edu, displayName: Alan, email: turing@example.edu }',
        ].join('\n'),
        'dup.yaml',
        { today: TODAY },
      ),
    );
    expect(err.message).toBe(
      [
        'dup.yaml: tags.course: duplicate key at line 5, column 3; the first is at line 3, column 3 (got "course")',
        'dup.yaml: learners[1].email: duplicate key at line 8, column 61; the first is at line 8, column 17 (got "email")',
      ].join('\n'),
    );
  });

  test('fails when an instructor and a learner normalise to the same id', () => {
    const err = captureError(() =>
      parseCohortYaml(
        [
          'cohort: test-cohort',
          'profile: cohort',
          "course: { start: '2027-01-04', end: '2027-03-26' }",
          'instructors: [{ id: ada.l, email: ada@example.edu }]',
          'learners: [{ id: Ada_L, email: ada2@example.edu, displayName: Ada }]',
          "mlflow: { hostname: mlflow.test.example.edu, certificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555' }",
        ].join('\n'),
        'people.yaml',
        { today: TODAY },
      ),
    );
    expect(err.message).toBe(
      'people.yaml: learners[0].id: collides with instructors[0].id (both normalise to "ada-l") (got "Ada_L")',
    );
  });

  test.each(['admin', '_Admin_', 'ADMIN', '-admin-'])(
    'fails when an instructor id normalises to the MLflow admin username (%s)',
    (id) => {
      const err = captureError(() =>
        parseCohortYaml(
          [
            'cohort: test-cohort',
            'profile: cohort',
            "course: { start: '2027-01-04', end: '2027-03-26' }",
            `instructors: [{ id: '${id}', email: ada@example.edu }]`,
            'learners: [{ id: grace, email: grace@example.edu, displayName: Grace }]',
            "mlflow: { hostname: mlflow.test.example.edu, certificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555' }",
          ].join('\n'),
          'reserved.yaml',
          { today: TODAY },
        ),
      );
      expect(err.message).toBe(
        `reserved.yaml: instructors[0].id: normalises to "${MLFLOW_ADMIN_USERNAME}", which is reserved for the MLflow admin (got ${JSON.stringify(id)})`,
      );
    },
  );

  test('an id that only contains the admin name is accepted', () => {
    const config = configFrom((doc) => {
      doc.learners = [{ id: 'admin.assistant', email: 'aa@example.edu', displayName: 'A. A.' }];
    });
    expect(config.learners[0].slug).toBe('admin-assistant');
  });

  test('fails when a sandbox has more learners than its profile allows', () => {
    const learners = Array.from(
      { length: 6 },
      (_, i) => `  - { id: l${i}, email: l${i}@example.edu, displayName: L${i} }`,
    );
    const err = captureError(() =>
      parseCohortYaml(
        [
          'cohort: sb',
          'profile: sandbox',
          "course: { start: '2027-01-04', end: '2027-01-20' }",
          'learners:',
          ...learners,
        ].join('\n'),
        'sb.yaml',
        { today: TODAY },
      ),
    );
    expect(err.message).toBe('sb.yaml: learners: has 6 learners; profile sandbox allows at most 5');
  });

  test('nothing partial comes back: every problem is reported at once', () => {
    const err = captureError(() =>
      parseCohortYaml(
        [
          'cohort: test-cohort',
          'profile: cohort',
          "course: { start: '2027-01-04', end: '2027-03-26' }",
          'instructors: [{ id: ada, email: ada@example.edu }]',
          'learners:',
          '  - { id: grace, email: grace@example.edu, displayName: Grace }',
          '  - { id: grace, email: grace@example.edu, displayName: Grace again }',
          'artifacts: { retention: delete }',
          "mlflow: { hostname: mlflow.test.example.edu, certificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555' }",
        ].join('\n'),
        'multi.yaml',
        { today: TODAY },
      ),
    );
    expect(err.problems.map((p) => p.path)).toEqual([
      'learners[1].id',
      'learners[1].email',
      'artifacts.retention',
    ]);
  });
});

describe("roster values in the project's words", () => {
  /** A valid cohort whose learners are `learners` (YAML text after "learners:"). */
  const withLearners = (learners: string) =>
    [
      'cohort: test-cohort',
      'profile: cohort',
      "course: { start: '2027-01-04', end: '2027-03-26' }",
      'instructors: [{ id: ada, email: ada@example.edu }]',
      `learners: ${learners}`,
      "mlflow: { hostname: mlflow.test.example.edu, certificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555' }",
    ].join('\n');

  test.each([
    ['grace', 'learners: must be a list of learners (got "grace")'],
    [
      '[{ id: 1e3, email: a@example.edu, displayName: A }]',
      'learners[0].id: ids are text; quote it, or YAML reads it as a number (got 1e3)',
    ],
    [
      '[{ id: true, email: a@example.edu, displayName: A }]',
      'learners[0].id: ids are text; quote it, or YAML reads it as true or false (got true)',
    ],
    ['[{ id: ~, email: a@example.edu, displayName: A }]', 'learners[0].id: must not be empty (got ~)'],
    ['[{ id: , email: a@example.edu, displayName: A }]', 'learners[0].id: must not be empty (got null)'],
    [
      '[{ id: [a], email: a@example.edu, displayName: A }]',
      'learners[0].id: ids are text, not a list or mapping (got ["a"])',
    ],
    [
      '[{ id: a, email: a@example.edu, displayName: 1984 }]',
      'learners[0].displayName: display names are text; quote it, or YAML reads it as a number (got 1984)',
    ],
    ['[{ id: a, email: 42, displayName: A }]', 'learners[0].email: must be an email address (got 42)'],
    [
      '[{ id: a, email: a@example.edu, displayName: A, iamPrincipalArn: 12 }]',
      'learners[0].iamPrincipalArn: must be an IAM role or user ARN (arn:aws:iam::<account>:role/<name>) (got 12)',
    ],
  ])('fails when learners is %s', (learners, expected) => {
    // WHEN
    const err = captureError(() => parseCohortYaml(withLearners(learners), 'roster.yaml', { today: TODAY }));

    // THEN
    expect(err.message).toBe(`roster.yaml: ${expected}`);
  });

  test('a quoted id that looks like a number is text', () => {
    // WHEN
    const config = configFrom((doc) => {
      doc.learners = [{ id: 'b007', email: 'bond@example.edu', displayName: 'James Bond' }];
    });

    // THEN
    expect(config.learners[0].slug).toBe('b007');
  });
});

function captureError(fn: () => unknown): CohortConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CohortConfigError) {
      return err;
    }
    throw err;
  }
  throw new Error('expected a CohortConfigError, but nothing was thrown');
}
