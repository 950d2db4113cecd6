import * as kplus from 'cdk8s-plus-27';
import {
  acknowledgeCheckov,
  CDK_ASSET_IMAGE_EXCEPTION,
  CheckovException,
  imageDigestExceptions,
  prebuiltTagException,
} from '../../../cdk8s/common/checkov';
import { ImageSource } from '../../../cdk8s/common/values';
import { emptyChart, objects } from '../../support/charts';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
const SETTING = "the cohort file's feast.image";

describe('imageDigestExceptions', () => {
  test('an image CDK builds: the CDK-asset exception, whatever the reference looks like', () => {
    // GIVEN images CDK builds, one of them even referenced by digest
    // WHEN their exceptions are listed
    // THEN each gets the CDK-asset exception
    expect(imageDigestExceptions('repo:0f1e2d3c', ImageSource.CDK_ASSET, SETTING)).toEqual([
      CDK_ASSET_IMAGE_EXCEPTION,
    ]);
    expect(imageDigestExceptions(`repo@${DIGEST}`, ImageSource.CDK_ASSET, SETTING)).toEqual([
      CDK_ASSET_IMAGE_EXCEPTION,
    ]);
  });

  test.each([ImageSource.COHORT_FILE, ImageSource.ENVIRONMENT_FILE])(
    'a prebuilt image named by tag (%s): the tag exception, naming the setting',
    (source) => {
      // GIVEN a tagged prebuilt image
      // WHEN its exceptions are listed
      // THEN it is the tag exception for the setting given
      expect(imageDigestExceptions('registry.example.edu/feast:0.67.0-1', source, SETTING)).toEqual([
        prebuiltTagException(SETTING),
      ]);
    },
  );

  test.each([ImageSource.COHORT_FILE, ImageSource.ENVIRONMENT_FILE])(
    'a prebuilt image named by digest (%s): no exception',
    (source) => {
      // GIVEN a digest-pinned prebuilt image
      // WHEN its exceptions are listed
      // THEN there are none: the check passes
      expect(imageDigestExceptions(`registry.example.edu/feast@${DIGEST}`, source, SETTING)).toEqual([]);
    },
  );
});

describe('prebuiltTagException', () => {
  test('skips CKV_K8S_43 with a reason naming the setting and recommending a digest', () => {
    // GIVEN the setting an operator pins the image in
    // WHEN the exception is built
    // THEN it is exactly this
    expect(prebuiltTagException(SETTING)).toEqual({
      id: 'CKV_K8S_43',
      reason:
        "the image is prebuilt and pinned by its tag, the operator's pin in the cohort file's feast.image; a tag can be re-pushed and synth cannot resolve a digest offline, so image@sha256:<digest> there is recommended (it needs no exception)",
    });
  });
});

describe('acknowledgeCheckov', () => {
  /** The annotations of a ConfigMap after acknowledging `exceptions` on it. */
  const annotationsAfter = (exceptions: readonly CheckovException[]) => {
    const chart = emptyChart('c');
    const cm = new kplus.ConfigMap(chart, 'Config', { metadata: { annotations: { other: 'kept' } } });
    acknowledgeCheckov(cm, exceptions);
    return objects(chart)[0].metadata.annotations;
  };

  test('records each exception as checkov.io/skipN = id=reason, numbered from 1 in order', () => {
    // GIVEN two exceptions
    const exceptions = [
      { id: 'CKV_K8S_43', reason: 'first reason' },
      { id: 'CKV_K8S_35', reason: 'second reason' },
    ];
    // WHEN they are acknowledged on an object that has another annotation
    // THEN both are annotated in order and the other annotation stays
    expect(annotationsAfter(exceptions)).toEqual({
      other: 'kept',
      'checkov.io/skip1': 'CKV_K8S_43=first reason',
      'checkov.io/skip2': 'CKV_K8S_35=second reason',
    });
  });

  test('adds nothing when there is no exception', () => {
    // GIVEN no exception
    // WHEN acknowledged
    // THEN the object's annotations are unchanged
    expect(annotationsAfter([])).toEqual({ other: 'kept' });
  });
});
