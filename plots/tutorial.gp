# tutorial.gp - compare two nsorun runs on matrix sensing: validation error
# and Hessian trace against steps (docs/tutorial.md).
# usage: gnuplot -e "a='gd.csv'; b='nso.csv'; out='tutorial.png'" plots/tutorial.gp
load "plots/common.gp"
set terminal pngcairo size 1200,480 font "Helvetica,11"
set output out
set multiplot layout 1,2
set xlabel "step"
set logscale y
set title "validation relative MSE"
plot a u 1:6 w l ls 1 t a, b u 1:6 w l ls 3 t b
set title "trace of the Hessian (training loss)"
plot a u 1:5 w l ls 1 t a, b u 1:5 w l ls 3 t b
unset multiplot
