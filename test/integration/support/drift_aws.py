"""Test helper for test/integration/drift.test.ts: the AWS side of the drift job on moto, as JSON.

    drift_aws.py setup   <endpoint> <bucket> <slug> <cohort>   topic + queue subscribed to it + the reference
    drift_aws.py shift   <endpoint> <bucket>                   rewrite the Feast sample data with a shift
    drift_aws.py observe <endpoint> <queue-url>                drift metrics and the queue's messages
    drift_aws.py query-model <dir>                             botocore's CloudWatch model, query protocol only

The last is a stand-in for moto's sake: botocore 1.43 sends CloudWatch requests in its JSON
protocol, which moto 5.2.5 does not speak (500 "Unsupported protocol [json] for service
cloudwatch"). The same API model with only the query protocol listed, put first on botocore's data
path (AWS_DATA_PATH=<dir>), sends the same operations in the query protocol, which moto speaks.

The reference is the Feast sample data as gen_data.py wrote it (so the unchanged data has not
drifted); the shift scales active minutes by 0.3 and lowers quiz scores by 35 points.
"""

import gzip
import io
import json
import os
import sys
from datetime import UTC, datetime, timedelta

import boto3
import pandas as pd

REGION = "eu-west-1"
DATA_KEY = "feast/data/learner_activity.parquet"


def client(name: str, endpoint: str):  # type: ignore[no-untyped-def]
    return boto3.client(name, endpoint_url=endpoint, region_name=REGION)


def setup(endpoint: str, bucket: str, slug: str, cohort: str) -> dict[str, str]:
    sns, sqs, s3 = client("sns", endpoint), client("sqs", endpoint), client("s3", endpoint)
    topic = sns.create_topic(Name=f"cohortlab-{cohort}-alerts")["TopicArn"]
    queue = sqs.create_queue(QueueName=f"drift-alerts-{slug}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    s3.copy_object(
        Bucket=bucket,
        Key=f"learners/{slug}/drift/reference.parquet",
        CopySource={"Bucket": bucket, "Key": DATA_KEY},
    )
    return {"topicArn": topic, "queueUrl": queue}


def shift(endpoint: str, bucket: str) -> dict[str, int]:
    s3 = client("s3", endpoint)
    body = s3.get_object(Bucket=bucket, Key=DATA_KEY)["Body"].read()
    frame = pd.read_parquet(io.BytesIO(body))
    frame["minutes_active"] = (frame["minutes_active"] * 0.3).astype("int64")
    frame["avg_quiz_score"] = (frame["avg_quiz_score"] - 35).clip(lower=0).astype("float32")
    out = io.BytesIO()
    frame.to_parquet(out, index=False)
    s3.put_object(Bucket=bucket, Key=DATA_KEY, Body=out.getvalue())
    return {"rows": len(frame)}


def observe(endpoint: str, queue: str) -> dict[str, object]:
    cw, sqs = client("cloudwatch", endpoint), client("sqs", endpoint)
    metrics = cw.list_metrics(Namespace="CohortLab/Drift")["Metrics"]
    now = datetime.now(UTC)
    data = []
    for m in metrics:
        stats = cw.get_metric_statistics(
            Namespace="CohortLab/Drift",
            MetricName=m["MetricName"],
            Dimensions=m["Dimensions"],
            StartTime=now - timedelta(hours=1),
            EndTime=now + timedelta(minutes=5),
            Period=60,
            Statistics=["Maximum", "SampleCount"],
        )["Datapoints"]
        data.append(
            {
                "name": m["MetricName"],
                "dimensions": {d["Name"]: d["Value"] for d in m["Dimensions"]},
                "maximum": max((p["Maximum"] for p in stats), default=None),
                "samples": sum(p["SampleCount"] for p in stats),
                "unit": stats[0].get("Unit") if stats else None,
            }
        )
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=2).get("Messages", [])
    for m in messages:
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
    return {"metrics": data, "messages": [json.loads(m["Body"]) for m in messages]}


def query_model(directory: str) -> dict[str, str]:
    import botocore

    source = os.path.join(os.path.dirname(botocore.__file__), "data", "cloudwatch", "2010-08-01")
    with gzip.open(os.path.join(source, "service-2.json.gz"), "rt") as f:
        model = json.load(f)
    model["metadata"]["protocol"] = "query"
    model["metadata"]["protocols"] = ["query"]
    target = os.path.join(directory, "cloudwatch", "2010-08-01")
    os.makedirs(target, exist_ok=True)
    with open(os.path.join(target, "service-2.json"), "w") as f:
        json.dump(model, f)
    return {"dataPath": directory}


if __name__ == "__main__":
    command, endpoint, *rest = sys.argv[1:]
    if command == "query-model":
        result: object = query_model(endpoint)
    elif command == "setup":
        result = setup(endpoint, *rest)
    elif command == "shift":
        result = shift(endpoint, *rest)
    else:
        result = observe(endpoint, *rest)
    print(json.dumps(result))
