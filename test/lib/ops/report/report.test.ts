import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { README } from '../../../../lib/ops/report';
import { openRisks } from '../../../../lib/ops/report/acks-risks';
import { outputTarget, principalText, refText } from '../../../../lib/ops/report/model';
import { escapeHtml, renderHtml } from '../../../../lib/ops/report/render-html';
import { renderMarkdown } from '../../../../lib/ops/report/render-markdown';

describe('refText and outputTarget', () => {
  test('a reference is the logical id it names; a cross-stack output the producer and its attribute', () => {
    expect(refText({ Ref: 'CohortKeyF9854329' })).toBe('CohortKeyF9854329');
    expect(refText({ 'Fn::GetAtt': ['CohortKeyF9854329', 'Arn'] })).toBe('CohortKeyF9854329.Arn');
    const out = {
      'Fn::GetStackOutput': {
        StackName: 'cohortlab-demo-data',
        Region: 'eu-west-1',
        OutputName: 'PublishOutputFnGetAttCohortKeyF9854329Arn3C52F9BD',
      },
    };
    expect(outputTarget(out)).toEqual({
      stack: 'cohortlab-demo-data',
      id: 'CohortKeyF9854329',
      attribute: 'Arn',
    });
    expect(refText(out)).toBe('CohortKeyF9854329.Arn (cohortlab-demo-data)');
    expect(
      outputTarget({
        'Fn::GetStackOutput': {
          StackName: 's',
          OutputName: 'PublishOutputRefPeopleLearners616AED8108BBFDEA',
        },
      }),
    ).toEqual({ stack: 's', id: 'PeopleLearners616AED81', attribute: undefined });
  });

  test('principals: everyone, this account, services', () => {
    expect(principalText({ AWS: '*' })).toBe('*');
    expect(
      principalText({ AWS: { 'Fn::Join': ['', ['arn:aws:iam::', { Ref: 'AWS::AccountId' }, ':root']] } }),
    ).toBe('this account');
    expect(principalText({ Service: ['cloudwatch.amazonaws.com', 'events.amazonaws.com'] })).toBe(
      'cloudwatch.amazonaws.com, events.amazonaws.com',
    );
  });
});

describe('openRisks', () => {
  test("the README's items of what is not verified, split at the top level only", () => {
    const risks = openRisks(README);
    expect(risks[0]).toBe('a real `cdk deploy`');
    expect(risks).toContain('the Helm chart downloads (ESO 2.9.0, Reloader 2.2.16, ALB controller 3.2.2)');
    expect(risks.length).toBeGreaterThanOrEqual(8);
  });

  test('fails when the README has no such paragraph, naming the file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'risks-')), 'README.md');
    writeFileSync(file, '# Nothing here\n');
    expect(() => openRisks(file)).toThrow(
      `${file} has no "Not verified here" paragraph to take the open risks from`,
    );
  });
});

describe('renderers', () => {
  const report = {
    title: 'Compliance report: x',
    summary: ['Built from `cohorts/x.yaml`.'],
    sections: [
      {
        id: 'encryption',
        title: 'Encryption at rest',
        intro: ['One <b> & one | pipe.'],
        tables: [
          {
            table: {
              columns: ['Resource', 'Encryption'],
              rows: [
                ['Topic|1', 'NOT ENCRYPTED'],
                ['Key', 'customer-managed'],
              ],
            },
          },
        ],
      },
    ],
  };

  test('Markdown: a | in a cell cannot break the row', () => {
    expect(renderMarkdown(report)).toContain('| Topic\\|1 | NOT ENCRYPTED |\n| Key | customer-managed |');
  });

  test('HTML: text escaped, inline code, no script, the alert marked', () => {
    const html = renderHtml(report);
    expect(html).toContain('<p>One &lt;b&gt; &amp; one | pipe.</p>');
    expect(html).toContain('<p>Built from <code>cohorts/x.yaml</code>.</p>');
    expect(html).toContain('<td class="alert">NOT ENCRYPTED</td>');
    expect(html).not.toMatch(/<script/i);
    expect(escapeHtml('"<&>"')).toBe('&quot;&lt;&amp;&gt;&quot;');
  });
});
