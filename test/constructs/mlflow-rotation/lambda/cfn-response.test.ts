/**
 * The answer to CloudFormation: what is PUT to the response URL, retries, the size limit, and
 * messages that never carry the presigned URL's signature.
 */
import type { CloudFormationCustomResourceDeleteEvent } from 'aws-lambda';
import {
  CfnResponse,
  MAX_RESPONSE_BYTES,
  responseBody,
  responseTo,
  sendResponse,
} from '../../../../constructs/mlflow-rotation/lambda/cfn-response';
import { startStub } from './fakes';

const RESPONSE: CfnResponse = {
  Status: 'SUCCESS',
  PhysicalResourceId: 'member/grace-hopper',
  StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/s/guid',
  RequestId: 'request-1',
  LogicalResourceId: 'Member',
  Data: { Username: 'grace-hopper', Group: 'learners' },
};

describe('responseTo', () => {
  test('echoes the identifiers CloudFormation matches the response by', () => {
    // GIVEN a request
    const event: CloudFormationCustomResourceDeleteEvent = {
      RequestType: 'Delete',
      ServiceToken: 'arn',
      ResponseURL: 'https://s3.invalid/r',
      StackId: RESPONSE.StackId,
      RequestId: 'request-1',
      LogicalResourceId: 'Member',
      ResourceType: 'Custom::CohortLabRosterMember',
      PhysicalResourceId: 'member/grace-hopper',
      ResourceProperties: { ServiceToken: 'arn' },
    };
    // WHEN / THEN
    expect(responseTo(event, { Status: 'FAILED', Reason: 'why', PhysicalResourceId: 'member/x' })).toEqual({
      Status: 'FAILED',
      Reason: 'why',
      PhysicalResourceId: 'member/x',
      StackId: RESPONSE.StackId,
      RequestId: 'request-1',
      LogicalResourceId: 'Member',
    });
  });
});

describe('sendResponse', () => {
  test('PUTs the JSON document with an empty content type', async () => {
    // GIVEN a response URL that accepts
    const s3 = await startStub(() => ({ status: 200 }));
    try {
      // WHEN the response is sent
      await sendResponse(`${s3.url}/bucket/key?X-Amz-Signature=sig`, RESPONSE);
      // THEN one PUT to the presigned URL carries it, with an empty content type
      expect(s3.received).toHaveLength(1);
      const [put] = s3.received;
      expect(put.method).toBe('PUT');
      expect(put.url).toBe('/bucket/key?X-Amz-Signature=sig');
      expect(put.headers['content-type']).toBe('');
      expect(put.headers['content-length']).toBe(String(Buffer.byteLength(put.body)));
      expect(JSON.parse(put.body)).toEqual(RESPONSE);
    } finally {
      await s3.close();
    }
  });

  test('retries an answer that is not 2xx', async () => {
    // GIVEN a response URL that fails once
    let calls = 0;
    const s3 = await startStub(() => ({ status: ++calls === 1 ? 503 : 200 }));
    try {
      // WHEN / THEN the second attempt succeeds
      await sendResponse(`${s3.url}/k`, RESPONSE, { retryDelayMs: 1 });
      expect(s3.received).toHaveLength(2);
    } finally {
      await s3.close();
    }
  });

  test('fails when every attempt fails, without the signature of the URL', async () => {
    // GIVEN a response URL that always refuses
    const s3 = await startStub(() => ({ status: 403 }));
    try {
      // WHEN / THEN the message names the URL without its query string
      await expect(
        sendResponse(`${s3.url}/k?X-Amz-Signature=secret-signature`, RESPONSE, {
          attempts: 2,
          retryDelayMs: 1,
        }),
      ).rejects.toThrow(new Error(`The CloudFormation response to ${s3.url}/k failed 2 times: answered 403`));
      expect(s3.received).toHaveLength(2);
    } finally {
      await s3.close();
    }
  });
});

describe('responseBody', () => {
  test('a response that fits is sent as it is', () => {
    // GIVEN a small response WHEN serialised THEN unchanged
    expect(responseBody(RESPONSE)).toBe(JSON.stringify(RESPONSE));
  });

  test('a reason too long for CloudFormation is cut to fit, multi-byte characters included', () => {
    // GIVEN a reason of 6000 characters, two bytes each
    const long = { ...RESPONSE, Status: 'FAILED' as const, Reason: 'é'.repeat(6000) };
    // WHEN
    const body = responseBody(long);
    // THEN it fits, keeps the rest, and says it was cut
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    const parsed = JSON.parse(body) as CfnResponse;
    expect(parsed.Reason).toMatch(/^é+\.\.\.$/);
    expect({ ...parsed, Reason: undefined }).toEqual({ ...long, Reason: undefined });
  });
});
