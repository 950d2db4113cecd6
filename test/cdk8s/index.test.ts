import { addCohortCharts } from '../../cdk8s';
import { loadCohort } from '../support/cohort';
import { chartApp, testValues } from '../support/charts';

describe('addCohortCharts', () => {
  test('adds the namespace, MLflow and Feast charts under their ids', () => {
    // GIVEN an app
    const app = chartApp();
    // WHEN the cohort's charts are added
    addCohortCharts(app, testValues(loadCohort('cohorts/demo.yaml')));
    // THEN they are its children, named as the manifests are (0000-namespaces, 0001-mlflow, ...)
    expect(app.node.children.map((c) => c.node.id)).toEqual(['namespaces', 'mlflow', 'feast']);
  });

  test('the workload charts depend on the namespace chart', () => {
    // GIVEN the cohort's charts
    const charts = addCohortCharts(chartApp(), testValues(loadCohort('cohorts/demo.yaml')));
    // WHEN their dependencies are read
    // THEN MLflow and Feast each wait for the namespaces, and the namespaces for nothing
    expect(charts.mlflow.node.dependencies).toEqual([charts.namespaces]);
    expect(charts.feast.node.dependencies).toEqual([charts.namespaces]);
    expect(charts.namespaces.node.dependencies).toEqual([]);
  });
});
