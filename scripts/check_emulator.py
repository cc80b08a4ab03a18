"""Check placesim's Gaussian-process emulator against scikit-learn.

For each case written by the sklearn_layout example of placesim-calibration
(a design, its outputs, the hyperparameters placesim fitted, and placesim's
predictions at new points), fit scikit-learn's GaussianProcessRegressor with
the same kernel and the hyperparameters fixed (optimizer=None):

    kernel = ConstantKernel(sigma2) * RBF(length_scales)
    alpha  = sigma2 * nugget            (on the training diagonal only)

scikit-learn's GP has a zero prior mean; placesim's has a constant mean
estimated by generalised least squares (universal kriging). So the outputs
given to scikit-learn are placesim's less that mean, the mean is recomputed
here by GLS with scikit-learn's kernel matrix, and the mean's uncertainty,
(1'K^-1 k - 1)^2 / 1'K^-1 1, is added to scikit-learn's variance. The
process variance is checked against its maximum-likelihood estimate
(y - mu)' R^-1 (y - mu) / n too.

Predictive means and variances must agree to 1e-6 (relative to the output's
scale where that exceeds 1). Usage: check_emulator.py DIR
"""

import json
import pathlib
import sys

import numpy as np
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel

TOLERANCE = 1e-6


def check(case):
    x = np.array(case["x"])
    y = np.array(case["y"])
    test = np.array(case["test"])
    sigma2 = case["process_variance"]
    nugget = case["nugget"]
    kernel = ConstantKernel(sigma2, constant_value_bounds="fixed") * RBF(
        np.array(case["length_scales"]), length_scale_bounds="fixed"
    )
    k_train = kernel(x) + sigma2 * nugget * np.eye(len(x))
    ones = np.ones(len(x))
    k_inv_ones = np.linalg.solve(k_train, ones)
    mu = k_inv_ones @ y / (ones @ k_inv_ones)

    gp = GaussianProcessRegressor(kernel=kernel, alpha=sigma2 * nugget, optimizer=None)
    gp.fit(x, y - mu)
    mean, sd = gp.predict(test, return_std=True)
    mean = mean + mu
    k_star = kernel(x, test)
    u = k_inv_ones @ k_star - 1.0
    variance = sd**2 + u**2 / (ones @ k_inv_ones)

    r_train = k_train / sigma2
    resid = y - mu
    sigma2_mle = resid @ np.linalg.solve(r_train, resid) / len(x)

    scale = max(1.0, float(np.abs(y).max()))
    vscale = max(1.0, sigma2)
    diffs = {
        "prior mean": abs(mu - case["prior_mean"]) / scale,
        "process variance": abs(sigma2_mle - sigma2) / vscale,
        "mean": float(np.abs(mean - np.array(case["mean"])).max()) / scale,
        "variance": float(np.abs(variance - np.array(case["variance"])).max()) / vscale,
    }
    ok = all(d <= TOLERANCE for d in diffs.values())
    print(
        f"{case['name']:>7}: {len(x)} points in {x.shape[1]}-D, {len(test)} predictions; "
        + ", ".join(f"{k} differs by {v:.1e}" for k, v in diffs.items())
        + ("" if ok else "  <-- beyond 1e-6")
    )
    return ok


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check_emulator.py DIR")
    files = sorted(pathlib.Path(sys.argv[1]).glob("*.json"))
    if not files:
        sys.exit(f"no cases in {sys.argv[1]}")
    results = [check(json.loads(f.read_text())) for f in files]
    if not all(results):
        sys.exit("placesim's emulator and scikit-learn's GaussianProcessRegressor disagree")
    print(f"emulator: {len(results)} cases agree with scikit-learn to {TOLERANCE:g}")


if __name__ == "__main__":
    main()
