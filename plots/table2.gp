# table2.gp - Table 2 analog (paper Sec. 2.2): perturbed-loss gap (mean +- std
# over the draws) against the Taylor term (sigma^2/2) tr H, one panel per
# experiment (missing experiments are skipped).  Data: <dir>/<experiment>.csv written by nn_table2.
# usage: gnuplot -e "dir='data/table2'" plots/table2.gp   -> <dir>/table2.png
if (!exists("dir")) dir = 'data/table2'
set terminal pngcairo size 1200,2100 font ",10"
set output dir.'/table2.png'
set datafile separator ','
set multiplot layout 5,2 title "Table 2 analog: E f(W+U) - f(W) vs (sigma^2/2) tr H, U from N(0, sigma^2 I), error bars: std over draws"
set xlabel 'sigma'
set ylabel 'loss gap'
set key top left
set grid
names = 'mlp_fashion mlp_mnist resnet mlp_mnist_fc2 mlp_mnist_softplus gcn gcn_smooth transformer transformer_relu'
titles = '"MLP (ReLU), Fashion-MNIST" "MLP (ReLU), MNIST" "ResNet-8, Fashion-MNIST" "diagnostic: MNIST MLP, last layer only" "control: MNIST MLP with softplus" "GCN (ReLU), stand-in for COLLAB" "control: GCN with softplus" "mini-BERT (GELU), Brown genres" "control: mini-BERT with ReLU"'
do for [i=1:9] {
    f = dir.'/'.word(names, i).'.csv'
    if (system('test -s '.f.' && echo 1 || echo 0') eq '0') { continue }
    set title word(titles, i)
    plot f using 1:2:3 with yerrorbars pt 7 ps 0.7 lc rgb '#1f77b4' title 'gap (mean +- std)', \
         f using 1:4 with lines lw 2 lc rgb '#d62728' title '(sigma^2/2) tr H'
}
unset multiplot
