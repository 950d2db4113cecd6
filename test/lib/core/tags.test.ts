import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { applyLabTags, LAB_TAG, labTags, LabTagSource } from '../../../lib/core';
import { testStack } from '../../support/cohort';

const source: LabTagSource = {
  name: 'spring',
  owner: 'ops@example.edu',
  expires: '2027-04-30',
  profile: { name: 'cohort' },
  tags: { 'cost-center': 'mlops-course' },
};

describe('labTags', () => {
  test('the extra tags and the four lab:* tags', () => {
    expect(labTags(source)).toEqual({
      'cost-center': 'mlops-course',
      'lab:cohort': 'spring',
      'lab:owner': 'ops@example.edu',
      'lab:expires': '2027-04-30',
      'lab:profile': 'cohort',
    });
  });

  test('a lab:* key among the extra tags cannot replace the product tag', () => {
    // GIVEN extra tags that try to set lab:owner (the cohort file refuses them; this is the backstop)
    const tags = labTags({ ...source, tags: { [LAB_TAG.owner]: 'someone-else', team: 'a' } });
    // THEN the product's value wins
    expect(tags[LAB_TAG.owner]).toBe('ops@example.edu');
    expect(tags.team).toBe('a');
  });
});

describe('applyLabTags', () => {
  test('tags every taggable resource below the scope', () => {
    // GIVEN a stack with a topic
    const stack = testStack();
    new sns.Topic(stack, 'Topic');
    // WHEN
    applyLabTags(stack, source);
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Topic', {
      Tags: [
        { Key: 'cost-center', Value: 'mlops-course' },
        { Key: 'lab:cohort', Value: 'spring' },
        { Key: 'lab:expires', Value: '2027-04-30' },
        { Key: 'lab:owner', Value: 'ops@example.edu' },
        { Key: 'lab:profile', Value: 'cohort' },
      ],
    });
  });
});
