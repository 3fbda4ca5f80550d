# table2_mech.gp - why the ReLU rows of the Table 2 analog fail (nn_table2's
# parts traj and kink; nn/kink.h): (a) gap / approx of the MNIST MLP along
# training against the training loss, measured and predicted 1 + K/approx;
# (b) the measured gap - approx against the kink term K(sigma) per sigma;
# (c) the fraction of hidden pre-activations that change sign, measured and
# predicted.  Missing files leave their panel empty.
# usage: gnuplot -e "dir='data/table2'" plots/table2_mech.gp   -> <dir>/table2_mech.png
if (!exists("dir")) dir = 'data/table2'
set terminal pngcairo size 1500,470 font ",10"
set output dir.'/table2_mech.png'
set datafile separator ','
set grid
set multiplot layout 1,3 title "Table 2 analog, ReLU MLPs: the kink term the Hessian misses"
have(f) = system('test -s '.f.' && echo 1 || echo 0') eq '1'

tr = dir.'/mlp_mnist_traj.csv'
set title '(a) MNIST MLP along training'
set xlabel 'training loss f(W) (checkpoints after 1, 2, 5, ... epochs)'
set ylabel 'gap / (sigma^2/2) tr H'
set logscale x
set key top left
if (have(tr)) {
    plot tr using 2:6:7 with yerrorbars pt 7 ps 0.8 lc rgb '#1f77b4' title 'measured (+- se)', \
         tr using 2:9 with linespoints pt 6 lw 2 lc rgb '#d62728' title 'predicted 1 + K / approx', \
         1 with lines dt 2 lc rgb 'gray' title 'Taylor term alone'
} else { unset key; plot 1 with lines dt 2 lc rgb 'gray' notitle }
unset logscale x

km = dir.'/mlp_mnist_kink.csv'
kf = dir.'/mlp_fashion_kink.csv'
set title '(b) excess over the Taylor term vs kink term'
set xlabel 'sigma'
set ylabel 'loss gap'
set key top left
set autoscale
if (have(km) && have(kf)) {
    plot km using 1:8:9 with yerrorbars pt 7 ps 0.7 lc rgb '#1f77b4' title 'MNIST: gap - approx', \
         km using 1:10 with lines lw 2 lc rgb '#1f77b4' title 'MNIST: K(sigma)', \
         kf using 1:8:9 with yerrorbars pt 5 ps 0.7 lc rgb '#2ca02c' title 'Fashion: gap - approx', \
         kf using 1:10 with lines lw 2 lc rgb '#2ca02c' title 'Fashion: K(sigma)'
} else { unset key; plot 0 with lines lc rgb 'gray' notitle }

set title '(c) pre-activations that change sign under W+U'
set ylabel 'fraction'
if (have(km) && have(kf)) {
    plot km using 1:2:3 with yerrorbars pt 7 ps 0.7 lc rgb '#1f77b4' title 'MNIST: measured', \
         km using 1:4 with lines lw 2 lc rgb '#1f77b4' title 'MNIST: mean Phi(-|z|/s)', \
         kf using 1:2:3 with yerrorbars pt 5 ps 0.7 lc rgb '#2ca02c' title 'Fashion: measured', \
         kf using 1:4 with lines lw 2 lc rgb '#2ca02c' title 'Fashion: mean Phi(-|z|/s)'
} else { unset key; plot 0 with lines lc rgb 'gray' notitle }
unset multiplot
