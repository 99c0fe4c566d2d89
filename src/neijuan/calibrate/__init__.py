"""Sweeps, calibration, sensitivity and the essay's claims: clients of :func:`neijuan.simulate`.

* :mod:`~neijuan.calibrate.spec`: the sweep file (validated) and its design (grid, Sobol, LHS);
* :mod:`~neijuan.calibrate.store`: the resumable chunk store (one Parquet file per chunk, atomic);
* :mod:`~neijuan.calibrate.runner`: evaluates (point, seeds) chunks on a local pool or on Ray;
* :mod:`~neijuan.calibrate.sweep`: ``neijuan sweep``;
* :mod:`~neijuan.calibrate.smm`: simulated method of moments (``neijuan calibrate``);
* :mod:`~neijuan.calibrate.fit`: the fit report (``neijuan simulate --fit``);
* :mod:`~neijuan.calibrate.sensitivity`: Sobol indices through a Gaussian-process metamodel;
* :mod:`~neijuan.calibrate.claims`: the essay's claims against their sources, the atlas and the model.

Nothing here reaches into the simulator's internals: every model number comes from
``neijuan.simulate(...)`` and its :class:`~neijuan.sim.run.Result`.
"""
