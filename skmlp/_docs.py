"""The estimators' docstrings, built from one shared parameter section."""

_SHARED_PARAMETERS = """\
hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of neurons in the ith hidden layer.

    activation : {'identity', 'logistic', 'tanh', 'relu', 'leaky_relu', \
'elu', 'gelu', 'softplus', 'silu'}, default='relu'
        Activation of the hidden layers: ``x``, ``1 / (1 + exp(-x))``,
        ``tanh(x)`` or ``max(x, 0)`` (scikit-learn's), or skmlp's
        ``'leaky_relu'``: ``x`` if ``x > 0`` else ``0.01 x``;
        ``'elu'``: ``x`` if ``x > 0`` else ``exp(x) - 1``;
        ``'gelu'`` (the tanh approximation):
        ``0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))``;
        ``'softplus'``: ``log(1 + exp(x))``; ``'silu'`` (swish):
        ``x / (1 + exp(-x))``.  The slope 0.01 and ELU's scale 1 are fixed.
        Weights start Glorot-uniform as in scikit-learn (bound
        ``sqrt(6 / (fan_in + fan_out))``, ``sqrt(2 / ...)`` for
        ``'logistic'``) for every activation.  skmlp's five keep each hidden
        layer's pre-activations during training (for their derivatives or
        as scratch), one more ``(batch_size, units)`` buffer per hidden
        layer.

    solver : str or optimizer object, default='adam'
        How the weights are optimized. ``'lbfgs'`` (SciPy's L-BFGS-B on the
        full batch), scikit-learn's ``'sgd'`` and ``'adam'``, and
        ``'gd'``, ``'momentum'``, ``'adagrad'``, ``'rmsprop'``, ``'adamw'``;
        or an object from :mod:`skmlp.optimizers` (or your own following its
        protocol), tuned with ``solver__<param>`` in a grid search.  A string
        takes its hyperparameters from ``learning_rate_init``, ``momentum``,
        ``nesterovs_momentum``, ``beta_1``, ``beta_2`` and ``epsilon``
        (RMSprop's decay ``rho`` keeps its default, 0.9; pass
        ``RMSprop(rho=...)`` to change it).  At scikit-learn's
        ``learning_rate_init=0.001``, ``'gd'``, ``'momentum'`` and
        ``'adagrad'`` move slowly: each optimizer class documents a
        ``recommended_learning_rate``, and a fit that reaches ``max_iter``
        names it in its ``ConvergenceWarning``.

    alpha : float, default=0.0001
        Strength of the L2 penalty ``alpha / (2 n) * sum ||W||^2``, ``n`` the
        minibatch size (or its sample-weight sum); biases are not penalized.

    batch_size : int or 'auto', default='auto'
        Minibatch size of the stochastic solvers; ``'auto'`` is
        ``min(200, n_samples)``. Ignored by ``'lbfgs'`` and ``'gd'``.

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Schedule of the SGD step size (``solver='sgd'`` or an ``SGD`` object):
        ``'invscaling'`` uses ``learning_rate_init / (t + 1) ** power_t`` with
        ``t`` the samples seen; ``'adaptive'`` divides it by 5 whenever
        ``n_iter_no_change`` epochs bring no improvement of ``tol``.

    learning_rate_init : float, default=0.001
        Initial step size of the stochastic solvers given by name.

    power_t : float, default=0.5
        Exponent of the ``'invscaling'`` schedule.

    max_iter : int, default=200
        Maximum number of epochs (stochastic solvers) or iterations (lbfgs).

    shuffle : bool, default=True
        Whether to reshuffle the samples every epoch (stochastic solvers).

    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialization, the early-stopping split and the
        shuffling. An int gives reproducible fits.

    tol : float, default=1e-4
        Tolerance: training stops (or the adaptive rate drops) after
        ``n_iter_no_change`` epochs improving the loss or validation score by
        less than ``tol``; for lbfgs, the projected-gradient tolerance.

    verbose : bool, default=False
        Print ``Iteration N, loss = ...`` after every epoch or lbfgs iteration.

    warm_start : bool, default=False
        Start the next ``fit`` from the current ``coefs_`` and
        ``intercepts_`` (which may be set by hand) instead of a fresh
        initialization.

    momentum : float, default=0.9
        Momentum of ``'sgd'`` (and the averaging factor of ``'momentum'``).

    nesterovs_momentum : bool, default=True
        Whether ``'sgd'`` uses Nesterov's momentum.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (or use the validation
        set given to ``fit`` as ``X_val``, ``y_val``) and stop when its score
        stops improving by ``tol`` for ``n_iter_no_change`` epochs; the best
        weights are restored. Stochastic solvers only.

    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping, when ``fit``
        is given no validation set.

    beta_1 : float, default=0.9
        Decay of Adam's first moment estimate.

    beta_2 : float, default=0.999
        Decay of the second moment estimate of ``'adam'`` and ``'adamw'``.

    epsilon : float, default=1e-8
        Numerical stability term of Adam, AdaGrad and RMSprop.

    n_iter_no_change : int, default=10
        Epochs without ``tol`` improvement before stopping (stochastic solvers).

    max_fun : int, default=15000
        Maximum number of loss evaluations of ``'lbfgs'``.

    penalty : {'l2', 'l1', 'elasticnet', 'group'} or None, default='l2'
        The weight penalty, of strength ``alpha`` (see :mod:`skmlp.penalties`):
        ``'l2'`` is scikit-learn's ``alpha / (2 n) * sum ||W||^2``; ``'l1'``,
        ``alpha / n * sum |W|``, sets weights to exact zeros (applied by a
        proximal soft-thresholding step after each update, or by a
        bound-constrained split for ``'lbfgs'``); ``'elasticnet'`` mixes them
        with ``l1_ratio``; ``'group'``, ``alpha / n * sum_l sqrt(n_in) *
        sum_j ||W_l[:, j]||``  over the hidden layers (the output layer's
        weights are not penalized), sets whole hidden units' incoming weights
        to exact zeros (by a proximal block-thresholding step after each
        update, or by smoothing and a final zeroing for ``'lbfgs'``); ``None``
        turns the penalty off.

    l1_ratio : float, default=0.15
        Share of L1 in ``'elasticnet'``: ``alpha * (l1_ratio * L1 +
        (1 - l1_ratio) * L2)``, as in :class:`~sklearn.linear_model.SGDClassifier`.
        Only used with ``penalty='elasticnet'``.

    dropout : float or array-like of float, default=0.0
        Inverted dropout on the hidden layers' outputs, in training only: at
        every step each hidden unit of each row is zeroed with probability
        ``dropout`` and the others are scaled by ``1 / (1 - dropout)``, so
        ``predict``, the scores and the validation loss use the whole network
        unscaled.  One rate for every hidden layer, or one per hidden layer
        (as many as ``hidden_layer_sizes``), each in [0, 1).  The masks are
        drawn from ``random_state`` (an int gives the same fit every time;
        each ``partial_fit`` call draws new masks).  Stochastic solvers only:
        ``'lbfgs'`` with a rate above 0 raises a ``ValueError`` (its line
        search needs a deterministic objective).  ``0`` draws nothing and
        gives scikit-learn's fit, bit for bit."""

_SHARED_ATTRIBUTES = """\
loss_ : float
        The loss at the end of training (penalty included).

    best_loss_ : float or None
        The lowest training loss reached; ``None`` with ``early_stopping``.
        Stochastic solvers only.

    loss_curve_ : list of float
        The loss after each epoch (for lbfgs: after each iteration).

    validation_scores_ : list of float or None
        Validation score after each epoch with ``early_stopping`` (on the
        validation set given to ``fit``, else on the held-out
        ``validation_fraction``), else None.

    validation_loss_curve_ : list of float or None
        Whenever there is a validation set (given to ``fit`` as ``X_val``,
        ``y_val``, or held out by ``early_stopping``), the objective at it
        after each epoch (for lbfgs: after each iteration), beside
        ``loss_curve_``: the mean sample-weighted loss plus the penalty over
        the validation weight sum, the training objective with the
        validation set as one batch.  Computing it leaves the fit unchanged.
        None without a validation set (``partial_fit`` has none); like
        ``loss_curve_`` it continues across ``warm_start`` fits that all have
        one.

    best_validation_score_ : float or None
        Best validation score with ``early_stopping``, else None.

    t_ : int
        Number of training samples seen by the stochastic solver.

    coefs_ : list of ndarray of shape (n_fan_in, n_fan_out)
        The weight matrix of each layer, in the dtype of the training data.

    intercepts_ : list of ndarray of shape (n_fan_out,)
        The bias vector of each layer.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during fit, when they are all strings.

    n_iter_ : int
        Number of epochs (or lbfgs iterations) run by the last fit.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of output units.

    sparsity_ : ndarray of shape (`n_layers_` - 1,)
        Fraction of exactly zero weights in each layer's ``coefs_``.

    dropped_features_ : ndarray of int
        Indices of the input features whose first-layer weights are all zero,
        which therefore no longer influence predictions.

    dropped_units_ : list of ndarray of int
        For each hidden layer, the units whose incoming weights are all zero
        (``penalty='group'`` makes them): each outputs the constant
        ``activation(bias)``, which can be folded into the next layer's
        biases, so the unit can be removed without changing predictions."""

#: The Notes section both estimators share: scikit-learn's callback API.
_CALLBACKS_NOTE = """\
Notes
    -----
    Both estimators take scikit-learn's callbacks (:mod:`sklearn.callback`)
    with ``set_callbacks``, as its own iterative estimators do: a ``fit`` is
    a task with one subtask per epoch (for lbfgs: per iteration), so
    ``set_callbacks(ProgressBar())`` shows an epoch bar (nested under a
    ``GridSearchCV`` that has the callback) and
    ``ScoringMonitor(scoring=...)`` logs a score per epoch, of the model as
    the fit would have returned it had it stopped there.  A callback's
    ``on_fit_task_end`` returning True stops the fit after that epoch; each
    ``partial_fit`` call is one task.  Callbacks leave the fit unchanged, to
    the bit, and without them the epoch loop pays one ``None`` check.
    :class:`~sklearn.callback.ProgressBar` needs rich (the ``progress``
    extra: ``pip install skmlp[progress]``)."""

CLASSIFIER_DOC = f"""Multi-layer perceptron classifier, a drop-in for scikit-learn's.

    Minimizes the log-loss (softmax output for multiclass targets, logistic
    outputs for binary and multilabel ones) plus an L2 penalty, with L-BFGS or
    a stochastic optimizer. With the same data, parameters and
    ``random_state``, ``'sgd'``, ``'adam'`` and ``'lbfgs'`` give the weights
    :class:`sklearn.neural_network.MLPClassifier` gives; see the user guide
    for the few places where skmlp deliberately differs.

    Parameters
    ----------
    {_SHARED_PARAMETERS}

    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, ``{{class_label: weight}}`` (classes left out
        weigh 1), multiplied into ``sample_weight`` as in scikit-learn's linear
        classifiers: training and the early-stopping score (a held-out part
        or a given ``sample_weight_val``) use the products.  ``'balanced'``
        weighs each class ``n_samples / (n_classes * count)``, the counts
        weighted by ``sample_weight`` when it is given (every class then
        needs some weight).  For a multilabel ``y``, ``'balanced'`` weighs a
        row by the product over labels of its label's balanced weight for the
        row's 0 or 1 (as :func:`~sklearn.utils.class_weight.compute_sample_weight`);
        a dict is refused.  ``partial_fit`` is not available with
        ``'balanced'`` (as for :class:`~sklearn.linear_model.SGDClassifier`):
        pass the weights of ``compute_class_weight`` as a dict.

    Attributes
    ----------
    classes_ : ndarray or list of ndarray
        Class labels of each output.

    {_SHARED_ATTRIBUTES}

    out_activation_ : str
        ``'softmax'`` (multiclass) or ``'logistic'`` (binary, multilabel).

    See Also
    --------
    MLPRegressor : The same network for regression.

    {_CALLBACKS_NOTE}

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.metrics import accuracy_score
    >>> from sklearn.model_selection import train_test_split
    >>> from skmlp import MLP
    >>> X, y = load_iris(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(
    ...     X, y, test_size=0.2, random_state=42)
    >>> clf = MLP(hidden_layer_sizes=(10, 10), max_iter=1000, alpha=0.001,
    ...           random_state=42).fit(X_train, y_train)
    >>> accuracy_score(y_test, clf.predict(X_test)) > 0.9
    True
    >>> clf.predict_proba(X_test[:1]).shape
    (1, 3)
    """

REGRESSOR_DOC = f"""Multi-layer perceptron regressor, a drop-in for scikit-learn's.

    Minimizes half the squared error (identity output) or the Poisson
    deviance (exponential output) plus an L2 penalty, with L-BFGS or a
    stochastic optimizer. With the same data, parameters and
    ``random_state``, ``'sgd'``, ``'adam'`` and ``'lbfgs'`` give the weights
    :class:`sklearn.neural_network.MLPRegressor` gives.

    Parameters
    ----------
    loss : {{'squared_error', 'poisson'}}, default='squared_error'
        The loss: ``0.5 * sum_k (y_k - p_k) ** 2`` or the Poisson deviance
        ``sum_k y_k log(y_k / p_k) - y_k + p_k`` per sample (targets must then
        be non-negative).

    {_SHARED_PARAMETERS}

    Attributes
    ----------
    {_SHARED_ATTRIBUTES}

    out_activation_ : str
        ``'identity'`` (squared error) or ``'exp'`` (Poisson).

    See Also
    --------
    MLPClassifier : The same network for classification.

    {_CALLBACKS_NOTE}

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.model_selection import train_test_split
    >>> from skmlp import MLPRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=1.0,
    ...                        random_state=1)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=1)
    >>> reg = MLPRegressor(solver="lbfgs", max_iter=500, random_state=1)
    >>> reg.fit(X_train, y_train).score(X_test, y_test) > 0.95
    True
    """
