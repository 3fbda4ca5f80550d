# nn_density.gp - Hessian spectral density by stochastic Lanczos quadrature
# (Ghorbani et al. 2019) and the SLQ nodes, from `nn_cli --cmd hessian
# --measure density --out <prefix>` (files <prefix>_density.csv, <prefix>_hessian.csv).
# usage: gnuplot -e "prefix='data/nn/mlp_mnist'; title='...'" plots/nn_density.gp
if (!exists("prefix")) prefix = 'data/nn/mlp_mnist'
if (!exists("title")) title = 'Hessian spectral density (SLQ)'
set terminal pngcairo size 900,500 font ",10"
set output prefix.'_density.png'
set datafile separator ','
set title title
set xlabel 'eigenvalue'
set ylabel 'density (log scale)'
set logscale y
set format y '10^{%L}'
set yrange [1e-6:*]
set grid
plot prefix.'_density.csv' using 1:($2 > 1e-6 ? $2 : 1e-6) with lines lw 2 lc rgb '#1f77b4' title 'Gaussian-smoothed SLQ density'
