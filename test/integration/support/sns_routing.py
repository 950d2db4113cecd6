"""Route messages through moto's SNS into SQS queues and report what each queue got.

usage: sns_routing.py <endpoint>   (the spec as JSON on stdin, the result as JSON on stdout)

spec: {"topics": [name, ...],
       "queues": [name, ...],
       "subscriptions": [{"topic", "queue", "filterPolicy" (object or null), "scope" (or null)}],
       "messages": [{"topic", "message", "subject" (or null), "attributes": {name: value}}]}
result: {queue name: [the Message of each SNS envelope it received, in any order]}

Every message attribute is sent as a String, as the drift job sends them. Deliveries are not raw:
each queue gets SNS's JSON envelope, as the cohort's audit queue does.
"""

import json
import sys

import boto3

endpoint = sys.argv[1]
spec = json.load(sys.stdin)
sns = boto3.client("sns", endpoint_url=endpoint, region_name="us-east-1")
sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")

topics = {name: sns.create_topic(Name=name)["TopicArn"] for name in spec["topics"]}
queues = {}
for name in spec["queues"]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queues[name] = (url, arn)

for sub in spec["subscriptions"]:
    attributes = {}
    if sub.get("filterPolicy") is not None:
        attributes["FilterPolicy"] = json.dumps(sub["filterPolicy"])
        attributes["FilterPolicyScope"] = sub.get("scope") or "MessageAttributes"
    sns.subscribe(
        TopicArn=topics[sub["topic"]],
        Protocol="sqs",
        Endpoint=queues[sub["queue"]][1],
        Attributes=attributes,
    )

for message in spec["messages"]:
    kwargs = {
        "TopicArn": topics[message["topic"]],
        "Message": message["message"],
        "MessageAttributes": {
            key: {"DataType": "String", "StringValue": value}
            for key, value in message.get("attributes", {}).items()
        },
    }
    if message.get("subject"):
        kwargs["Subject"] = message["subject"]
    sns.publish(**kwargs)

result = {}
for name, (url, _) in queues.items():
    got = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        )
        if not batch:
            break
        for m in batch:
            got.append(json.loads(m["Body"])["Message"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    result[name] = got
print(json.dumps(result))
