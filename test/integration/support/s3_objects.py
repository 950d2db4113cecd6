"""Test helper: print the keys (and sizes) under a prefix of a bucket on moto's S3, as JSON.
usage: s3_objects.py <endpoint> <bucket> <prefix>   (or: s3_objects.py <endpoint> <bucket> --create)
"""
import json
import sys

import boto3

endpoint, bucket, arg = sys.argv[1:4]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
if arg == "--create":
    s3.create_bucket(Bucket=bucket)
    print(json.dumps({"created": bucket}))
else:
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=arg):
        keys += [{"key": o["Key"], "size": o["Size"]} for o in page.get("Contents", [])]
    print(json.dumps(keys))
