"""
The textbook example, unchanged: an MLP on iris.
================================================

Run it with ``python examples/article_iris.py``; it prints the test accuracy.
"""

from sklearn.datasets import load_iris
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split

from skmlp import MLP

iris = load_iris()
X, y = iris.data, iris.target

X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.2, random_state=42
)

model = MLP(hidden_layer_sizes=(10, 10), max_iter=1000, alpha=0.001, random_state=42)
model.fit(X_train, y_train)

y_pred = model.predict(X_test)
print("Accuracy:", accuracy_score(y_test, y_pred))
